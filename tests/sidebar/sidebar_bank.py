"""The bank the sidebar tests share: 上海分行 with two RMs in 陆家嘴支行, its branch lead, HQ
ops and 北京分行's RM; corp tags, customers, groups and a CIF binding in the WeCom simulator,
synced into scrm; the seed script library; today's SOP to-do in 林小美's group; and a few
archived messages in both directions. Fixtures live in the test modules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from scrm.archive.chain.services import append_message
from scrm.customers.identity.models import BankCustomer, CustomerBinding
from scrm.customers.models import Customer
from scrm.db import db, utcnow
from scrm.directory.models import Staff, StaffRole
from scrm.groups.models import CustomerGroup
from scrm.sidebar.library_yaml import SEED_FILE, import_library
from scrm.sop.models import GroupRoleHolder, SopAssignment, SopTask, SopTemplate
from scrm.sync.services import run_full_sync

LIN, WANG, ZHAO_BJ, LEAD, HQ = "lin.xiaomei", "wang.jianguo", "zhao.bj", "chen.hang", "zong.yy"
CUSTOMER = "wmSidebarWangJianguo01"  # 王建國🌸, served by 林小美 (remark 王总) and 王建国
SECOND = "wmSidebarZhangAyi00002"  # 张阿姨, served by 林小美 only
BEIJING_CUSTOMER = "wmSidebarLiNvshi000003"  # 李女士, served by 北京's RM only
CSRF = "csrf-token-for-sidebar-tests"
BRANCHES_FILE = Path(__file__).with_name("branches.yaml")
SOP_TEXT = "各位早上好☀️ 今日市场速递：债市小幅波动。理财非存款，产品有风险，投资须谨慎。"


def build_bank(sim) -> dict:
    """Seed WeCom, sync, grant roles, import the seed library, add an SOP to-do and chat."""
    sim.add_department(1, "星河银行")
    sim.add_department(2, "上海分行", parent_id=1)
    sim.add_department(3, "陆家嘴支行", parent_id=2)
    sim.add_department(4, "北京分行", parent_id=1)
    sim.add_user(LIN, "林小美", [3])
    sim.add_user(WANG, "王建国", [3])
    sim.add_user(ZHAO_BJ, "赵北京", [4])
    sim.add_user(LEAD, "陈行长", [2], follow=False)
    sim.add_user(HQ, "宗运营", [1], follow=False)
    _, level = sim.add_tag_group("客户等级", ["高净值", "潛力客戶"])
    _, interest = sim.add_tag_group("兴趣偏好", ["基金", "保险", "黄金🥇"])
    sim.add_customer(CUSTOMER, "王建國🌸", gender=1)
    sim.add_customer(SECOND, "张阿姨", gender=2)
    sim.add_customer(BEIJING_CUSTOMER, "李女士", gender=2)
    sim.add_follow(LIN, CUSTOMER, remark="王总", state="ch_lujiazui_2026", tag_ids=[interest[0]])
    sim.add_follow(WANG, CUSTOMER, tag_ids=[level[1]])
    sim.add_follow(LIN, SECOND)
    sim.add_follow(ZHAO_BJ, BEIJING_CUSTOMER)
    chat_id = sim.add_group_chat(LIN, "陆家嘴·理财沙龙群", [(CUSTOMER, 2, 3), (SECOND, 2, 1)])
    beijing_chat = sim.add_group_chat(ZHAO_BJ, "北京·新客群", [(BEIJING_CUSTOMER, 2, 1)])
    run_full_sync()
    staff = {s.userid: s for s in db.session.scalars(select(Staff))}
    db.session.add(StaffRole(staff_id=staff[LEAD].id, role="branch_lead"))
    db.session.add(StaffRole(staff_id=staff[HQ].id, role="hq_ops"))
    _bind(CUSTOMER, "王建國", staff[LIN])
    import_library(SEED_FILE, by=HQ)
    import_library(BRANCHES_FILE, by=HQ)
    group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.chat_id == chat_id))
    task = _todo_today(group, staff[LIN])
    _chat(staff)
    db.session.commit()
    return {
        "staff": staff,
        "level": level,
        "interest": interest,
        "chat_id": chat_id,
        "beijing_chat": beijing_chat,
        "task_id": task.id,
    }


def _bind(external_userid: str, name: str, rm: Staff) -> None:
    bank_customer = BankCustomer(
        cif_no="C20260009876", name=name, tier="private", aum_band="6m_30m", risk_level="C3"
    )
    customer = db.session.scalar(
        select(Customer).where(Customer.external_userid == external_userid)
    )
    db.session.add(bank_customer)
    db.session.flush()
    db.session.add(
        CustomerBinding(
            customer_id=customer.id,
            bank_customer_id=bank_customer.id,
            method="counter",
            verified_by_staff_id=rm.id,
        )
    )


def _todo_today(group: CustomerGroup, rm: Staff) -> SopTask:
    step = {
        "id": "morning_brief",
        "key": "salon_care/morning_brief",
        "role": "理财经理",
        "mode": "todo",
        "trigger": {"type": "day", "day": 1, "time": "09:00"},
        "content": {"text": SOP_TEXT},
        "grace_minutes": 24 * 60,
        "locked": False,
    }
    template = SopTemplate(
        name="salon_care",
        version=1,
        title="理财沙龙群陪伴",
        roles=["群主", "理财经理"],
        steps=[step],
        locked_steps=[],
        source_file="sop_templates/salon_care.yaml",
        content_hash="0" * 64,
    )
    now = utcnow()
    assignment = SopAssignment(group=group, template=template, start_date=now.date())
    db.session.add(GroupRoleHolder(group_id=group.id, role="理财经理", staff_id=rm.id))
    task = SopTask(
        assignment=assignment,
        group_id=group.id,
        step_key=step["key"],
        occurrence=now.strftime("%Y-%m-%dT%H:%M"),
        due_at=now - timedelta(minutes=5),
        mode="todo",
        role="理财经理",
        assignee_id=rm.id,
    )
    db.session.add(task)
    db.session.flush()
    return task


def _chat(staff: dict) -> None:
    """Archived 1v1 messages: 林小美 ↔ 王建國 both ways, and messages that are not theirs."""
    for sender, to, text in (
        (CUSTOMER, LIN, "林经理，上次说的大额存单还有额度吗？"),
        (LIN, CUSTOMER, "王总您好，三年期大额存单还有额度，我把办理步骤发您。"),
        (LIN, SECOND, "张阿姨您好，您的借记卡快到期了。"),
        (WANG, CUSTOMER, "王先生您好，我是王建国。"),
    ):
        append_message(
            direction="inbound" if sender.startswith("wm") else "outbound",
            channel="single",
            origin="conversation_archive",
            sender=sender,
            msgtype="text",
            text=text,
            decision="pass",
            outcome="ingested",
            recipients=[to],
        )


def sign_in(client, userid: str):
    """``client`` signed in as ``userid`` with a known CSRF token (``client.csrf``)."""
    staff = db.session.scalar(select(Staff).where(Staff.userid == userid))
    with client.session_transaction() as session:
        session.clear()
        session["csrf_token"] = CSRF
        session["staff_id"] = staff.id
    client.csrf = {"X-CSRF-Token": CSRF}
    return client
