"""The bank the customer-profile tests share: 上海分行 with two RMs in 陆家嘴支行, its branch lead,
HQ ops, and 北京分行's RM; corp tags, two customers, a group and a CIF binding; synced into
scrm through the simulator."""

from __future__ import annotations

import pytest
from profile_names import BEIJING_CUSTOMER, CUSTOMER, HQ, LEAD, LIN, LOCKED, WANG, ZHAO_BJ

from scrm.db import db


@pytest.fixture
def profile_bank(app_ctx, sim, sync_from_wecom, create_bank_customer) -> dict:
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
    staff = sync_from_wecom(roles={LEAD: "branch_lead", HQ: "hq_ops"})
    create_bank_customer(
        "C20260001234",
        "王建國",
        tier="private",
        aum_band="6m_30m",
        risk_level="C3",
        bound_to=CUSTOMER,
        verified_by=staff[LIN],
    )
    db.session.commit()
    return {"staff": staff, "level": level, "interest": interest, "locked": locked}
