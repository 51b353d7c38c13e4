"""The bank the customer-profile tests share: 上海分行 with two RMs in 陆家嘴支行, its branch lead,
HQ ops, and 北京分行's RM; corp tags, two customers, a group and a CIF binding; synced into
scrm through the simulator. Fixtures live in each test module; this builds the data."""

from __future__ import annotations

from sqlalchemy import select

from scrm.customers.identity.models import BankCustomer, CustomerBinding
from scrm.customers.models import Customer
from scrm.db import db
from scrm.directory.models import Staff, StaffRole
from scrm.sync.services import run_full_sync

LIN, WANG, ZHAO_BJ, LEAD, HQ = "lin.xiaomei", "wang.jianguo", "zhao.bj", "chen.hang", "zong.yy"
CUSTOMER = "wmProfileWangJianguo01"  # 王建國🌸, served by 林小美 and 王建国
BEIJING_CUSTOMER = "wmProfileLiNvshi000002"  # 李女士, served by 北京's RM only
CSRF = "csrf-token-for-customer-tests"
LOCKED = "资产等级"  # set by the bank's systems, not by RMs


def build_bank(sim) -> dict:
    """Seed WeCom, run the full sync, grant the console roles; returns the ids tests need."""
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
    _, locked = sim.add_tag_group(LOCKED, ["私行", "钻石"])
    sim.add_customer(CUSTOMER, "王建國🌸")
    sim.add_customer(BEIJING_CUSTOMER, "李女士")
    sim.add_follow(LIN, CUSTOMER, remark="王总", state="ch_lujiazui_2026", tag_ids=[interest[0]])
    sim.add_follow(WANG, CUSTOMER, tag_ids=[level[1]])
    sim.add_follow(ZHAO_BJ, BEIJING_CUSTOMER)
    sim.add_group_chat(LIN, "陆家嘴·理财沙龙群", [(CUSTOMER, 2, 3)])
    sim.add_group_chat(ZHAO_BJ, "北京·新客群", [(CUSTOMER, 2, 1)])
    run_full_sync()
    staff = {s.userid: s for s in db.session.scalars(select(Staff))}
    db.session.add(StaffRole(staff_id=staff[LEAD].id, role="branch_lead"))
    db.session.add(StaffRole(staff_id=staff[HQ].id, role="hq_ops"))
    bank_customer = BankCustomer(
        cif_no="C20260001234", name="王建國", tier="private", aum_band="6m_30m", risk_level="C3"
    )
    customer = db.session.scalar(select(Customer).where(Customer.external_userid == CUSTOMER))
    db.session.add(bank_customer)
    db.session.flush()
    db.session.add(
        CustomerBinding(
            customer_id=customer.id,
            bank_customer_id=bank_customer.id,
            method="counter",
            verified_by_staff_id=staff[LIN].id,
        )
    )
    db.session.commit()
    return {"staff": staff, "level": level, "interest": interest, "locked": locked}


def api_client(app, client):
    """``client`` with the customers API mounted (until create_app registers it) and a
    ``sign_in(userid)``; writes send ``client.csrf`` as headers."""
    from scrm.customers.api import bp

    if bp.name not in app.blueprints:
        app.register_blueprint(bp)

    def sign_in(userid: str):
        staff = db.session.scalar(select(Staff).where(Staff.userid == userid))
        with client.session_transaction() as session:
            session.clear()
            session["csrf_token"] = CSRF
            session["staff_id"] = staff.id
        return client

    client.sign_in = sign_in
    client.csrf = {"X-CSRF-Token": CSRF}
    return client
