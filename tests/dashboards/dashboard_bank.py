"""A small bank for the dashboard tests, written straight to the database.

星河银行 (1) → 上海分行 (2) → 陆家嘴支行 (3) and 静安支行 (5); 北京分行 (4) → 朝阳支行 (6).
林小美 (陆家嘴) runs two groups, 吴静安 (静安) one, 孙本部 sits in the 上海分行 office with one,
赵北京 (朝阳) one. Two days of group metrics (Monday D1, Tuesday D2), follows, central moments,
likes and comments, follow-ups, and 1v1 chats read from the conversation archive.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND
from scrm.archive.chain.services import append_message
from scrm.customers.models import Customer, Follow
from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.groups.models import CustomerGroup
from scrm.moments.models import MomentFollowUp, MomentInteraction, MomentPost, MomentPublication
from scrm.sop.metrics.models import GroupDailyMetric

SHANGHAI = ZoneInfo("Asia/Shanghai")
D1 = date(2026, 3, 2)  # a Monday
D2 = D1 + timedelta(days=1)
BEFORE = D1 - timedelta(days=30)

WANG, LI, ZHANG = "wmWangXianSheng01", "wmLiNvShi02", "wmZhangXianSheng03"
ZHAO_C, SUN_C, HALF, MOVED = "wmZhaoNvShi04", "wmSunXianSheng05", "wmBanJia06", "wmZhuanJie07"

# group → day → members, joins, leaves, active_speakers, messages, sop_due, sop_on_time,
# sop_late, sop_missed, checkins
GROUP_DAYS = {
    "陆家嘴·理财沙龙群🎉": {
        D1: (10, 3, 1, 2, 5, 2, 1, 0, 1, 4),
        D2: (12, 2, 0, 0, 0, 1, 1, 0, 0, 0),
    },
    "陆家嘴·代發薪客戶群": {
        D1: (20, 0, 2, 1, 3, 0, 0, 0, 0, 0),
        D2: (19, 1, 2, 0, 0, 1, 0, 1, 0, 2),
    },
    "静安·新客欢迎群": {D1: (8, 1, 0, 0, 0, 1, 0, 0, 1, 0), D2: (9, 1, 0, 3, 7, 0, 0, 0, 0, 1)},
    "分行本部·ＶＩＰ群": {D1: (5, 0, 0, 1, 1, 0, 0, 0, 0, 0), D2: (5, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
    "朝阳·财富沙龙": {D1: (30, 5, 1, 4, 9, 2, 2, 0, 0, 3), D2: (33, 3, 0, 0, 0, 0, 0, 0, 0, 0)},
}
COLUMNS = (
    "members",
    "joins",
    "leaves",
    "active_speakers",
    "messages",
    "sop_due",
    "sop_on_time",
    "sop_late",
    "sop_missed",
    "checkins",
)


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC instant."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)
    return local.astimezone(UTC)


def make_bank() -> dict:
    """The organisation, its people and groups (no metrics yet)."""
    for number, name, parent in (
        (1, "星河银行", None),
        (2, "上海分行", 1),
        (3, "陆家嘴支行", 2),
        (4, "北京分行", 1),
        (5, "静安支行", 2),
        (6, "朝阳支行", 4),
    ):
        db.session.add(Department(id=number, name=name, parent_id=parent))
    db.session.flush()
    people = {}
    for key, userid, name, department, role in (
        ("lin", "lin.xiaomei", "林小美", 3, "rm"),
        ("wu", "wu.jingan", "吴静安", 5, "rm"),
        ("sun", "sun.benbu", "孙本部", 2, "rm"),
        ("zhao", "zhao.bj", "赵北京", 6, "rm"),
        ("lead", "chen.hang", "陈行长", 2, "branch_lead"),
        ("beijing_lead", "qian.bj", "钱行长", 4, "branch_lead"),
        ("hq", "zong.yunying", "宗运营", 1, "hq_ops"),
        ("admin", "guan.li", "管理员", 1, "admin"),
        ("compliance", "he.gui", "何合规", 1, "compliance"),
    ):
        people[key] = Staff(userid=userid, name=name, department_id=department)
        db.session.add(people[key])
        db.session.flush()
        db.session.add(StaffRole(staff_id=people[key].id, role=role))
    owners = {"陆家嘴": "lin", "静安": "wu", "分行本部": "sun", "朝阳": "zhao"}
    groups = {}
    for number, name in enumerate(GROUP_DAYS, start=1):
        owner = people[owners[name.split("·")[0]]]
        groups[name] = CustomerGroup(chat_id=f"wrDash{number:04d}", name=name, owner_id=owner.id)
        db.session.add(groups[name])
    db.session.flush()
    return people | {"groups": groups}


def seed_group_metrics(bank: dict) -> None:
    """The groups' daily metrics, as the SOP metrics job would have stored them."""
    for name, days in GROUP_DAYS.items():
        group = bank["groups"][name]
        owner = db.session.get(Staff, group.owner_id)
        for day, numbers in days.items():
            db.session.add(
                GroupDailyMetric(
                    group_id=group.id,
                    day=day,
                    owner_id=owner.id,
                    department_id=owner.department_id,
                    **dict(zip(COLUMNS, numbers, strict=True)),
                )
            )
    db.session.flush()


def follow(staff: Staff, external_userid: str, since, *, status="active", removed=None) -> None:
    customer = db.session.query(Customer).filter_by(external_userid=external_userid).first()
    if customer is None:
        customer = Customer(external_userid=external_userid, name=external_userid[2:6])
        db.session.add(customer)
        db.session.flush()
    db.session.add(
        Follow(
            customer_id=customer.id,
            staff_id=staff.id,
            followed_at=since,
            status=status,
            removed_at=removed,
        )
    )


def seed_customers(bank: dict) -> None:
    lin, wu, zhao = bank["lin"], bank["wu"], bank["zhao"]
    follow(lin, WANG, shanghai(BEFORE, 10))
    follow(lin, LI, shanghai(D1, 10))
    follow(lin, ZHANG, shanghai(BEFORE, 11), status="deleted_by_customer", removed=shanghai(D2, 9))
    follow(lin, HALF, shanghai(BEFORE, 12), status="half")
    follow(wu, ZHAO_C, shanghai(BEFORE, 10))
    follow(wu, MOVED, shanghai(BEFORE, 10), status="transferred", removed=shanghai(D1, 12))
    follow(zhao, SUN_C, shanghai(BEFORE, 10))
    db.session.flush()


def seed_moments(bank: dict) -> None:
    lin, wu, zhao = bank["lin"], bank["wu"], bank["zhao"]
    for day, published in ((D1, (lin, zhao)), (D2, (lin,))):
        post = MomentPost(
            day=day,
            slot=1,
            text="🌸 春季理财节：稳健型产品专场，欢迎咨询您的客户经理",
            status="publishing",
            moment_id=f"mom{day:%m%d}",
            created_by="zong.yunying",
        )
        db.session.add(post)
        db.session.flush()
        for staff in (lin, wu, zhao):
            db.session.add(
                MomentPublication(post_id=post.id, staff_id=staff.id, published=staff in published)
            )
    for staff, customer, kind, at in (
        (lin, WANG, "like", shanghai(D1, 11)),
        (lin, LI, "like", shanghai(D1, 12)),
        (lin, WANG, "comment", shanghai(D1, 12, 30)),
        (lin, LI, "comment", shanghai(D2, 8)),
        (zhao, SUN_C, "like", shanghai(D1, 23, 59)),
    ):
        db.session.add(
            MomentInteraction(
                moment_id="mom0302",
                staff_userid=staff.userid,
                external_userid=customer,
                kind=kind,
                created_at=at,
            )
        )
    db.session.add_all(
        [
            MomentFollowUp(
                moment_id="mom0302",
                staff_id=lin.id,
                external_userid=WANG,
                status="done",
                created_at=shanghai(D1, 12, 31),
                done_at=shanghai(D1, 15),
                done_how="messaged",
            ),
            MomentFollowUp(
                moment_id="mom0302",
                staff_id=lin.id,
                external_userid=LI,
                status="open",
                created_at=shanghai(D2, 8, 1),
            ),
        ]
    )
    db.session.flush()


HIT = [{"kind": "lexicon", "category": "收益承诺", "term": "保本保收益", "action": "warn"}]


def chat(sender: str, to: str, at: datetime, text: str, *, hits=(), room: str = "") -> None:
    """A message read back from WeCom's conversation archive."""
    customer_sends = sender.startswith("wm")
    append_message(
        direction=INBOUND if customer_sends else OUTBOUND,
        channel="group" if room else "single",
        origin="conversation_archive",
        sender=sender,
        msgtype="text",
        text=text,
        decision="warn" if hits else "pass",
        outcome=INGESTED,
        recipients=[] if room else [to],
        chat_ids=[room] if room else [],
        hits=hits,
        wecom_msgid=f"msg-{sender}-{at.timestamp():.0f}",
        sent_at=at,
    )


def seed_conversations(bank: dict) -> None:
    """林小美 answers 王先生 in 3, 10 and 45 minutes on Monday and 李女士 in 30 minutes
    across midnight; 吴静安 writes to 王先生 too, which answers nothing of 林小美's."""
    lin, wu = bank["lin"].userid, bank["wu"].userid
    old = D1 - timedelta(days=4)
    chat(WANG, lin, shanghai(old, 10), "上周那笔理财还没到账")  # too old: beyond 72 hours
    chat(WANG, lin, shanghai(D1, 9), "你好，请问我的理财到期了吗？")
    chat(WANG, lin, shanghai(D1, 9, 2), "麻烦看一下")  # still waiting since 09:00
    chat(wu, WANG, shanghai(D1, 9, 1), "王先生您好，我是静安支行的小吴")
    chat(lin, WANG, shanghai(D1, 9, 3), "王先生您好，已到期，本金和收益已到账")
    chat(WANG, lin, shanghai(D1, 10), "好的，那新产品有哪些？")
    chat(lin, WANG, shanghai(D1, 10, 10), "稍后发您产品说明书")
    chat(lin, WANG, shanghai(D1, 10, 11), "这款保本保收益，年化4%", hits=HIT)  # unprompted
    chat(WANG, lin, shanghai(D1, 14), "说明书收到了，风险等级是？")
    chat(lin, WANG, shanghai(D1, 14, 45), "R2 稳健型")
    chat(LI, lin, shanghai(D1, 23, 50), "林经理，明天能办理吗？")
    chat(lin, LI, shanghai(D2, 0, 20), "可以的，明早九点网点见")
    room = bank["groups"]["静安·新客欢迎群"].chat_id
    chat(wu, "", shanghai(D1, 16), "本产品保本保收益", hits=HIT, room=room)
    chat(wu, "", shanghai(D1, 16, 5), "欢迎各位新朋友", room=room)
    chat(wu, "", shanghai(D2, 9), "早上好", room=room)
    db.session.flush()


def make_everything() -> dict:
    bank = make_bank()
    seed_group_metrics(bank)
    seed_customers(bank)
    seed_moments(bank)
    seed_conversations(bank)
    db.session.commit()
    return bank
