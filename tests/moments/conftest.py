"""Shared fixtures for the moments tests: a synced bank with RMs, customers and a directory tag,
and draining the outbox."""

from __future__ import annotations

import pytest
from moments_names import BRANCH, HQ, RMS, at

from scrm.db import db
from scrm.outbox.delivery import drain_outbox
from scrm.wecom.simulator.api_staff_tags import add_staff_tag


@pytest.fixture
def moments_bank(app_ctx, sim, sync_from_wecom):
    """星河银行: HQ ops, the 梧桐路 branch's three RMs (one in 新华支行), 滨江's RM, and the
    directory tag 私行客户经理 on 林小美 and on 滨江分行 as a whole; synced into scrm."""
    sim.add_department(1, "星河银行（测试）")
    sim.add_department(BRANCH, "梧桐路分行", parent_id=1)
    sim.add_department(3, "梧桐路·新华支行", parent_id=BRANCH)
    sim.add_department(4, "滨江分行", parent_id=1)
    sim.add_user(HQ, "赵运营", [1], position="总行运营", follow=False)
    sim.add_user(RMS[0], "林小美", [BRANCH], position="客户经理")
    sim.add_user(RMS[1], "王建国", [BRANCH], position="客户经理")
    sim.add_user(RMS[2], "陈静", [3], position="客户经理")
    sim.add_user("liu.binjiang", "刘滨江", [4], position="客户经理")
    tagid = add_staff_tag(sim, "私行客户经理", userids=[RMS[0]], department_ids=[4])
    _, tag_ids = sim.add_tag_group("客户等级", ["高净值", "潛力客戶"])
    for n, rm in enumerate(RMS):
        customer = sim.add_customer(f"wm_moments_{n}", f"客户{n}号🌸")
        sim.add_follow(rm, customer, tag_ids=tag_ids[:1] if n == 0 else [])
    sim.clock.set(at(7).timestamp())
    staff = sync_from_wecom(roles={HQ: "hq_ops"})
    db.session.commit()
    return {"staff": staff, "staff_tag": tagid, "customer_tags": tag_ids}


@pytest.fixture
def drain():
    """``drain()`` delivers what the outbox holds, as one worker pass would."""
    return lambda: drain_outbox("moments-test")
