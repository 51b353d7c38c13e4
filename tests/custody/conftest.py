"""A fictional bank for custody: 星河银行 HQ → 上海分行 (branch lead 陈行长) → 陆家嘴支行 with
three RMs, and 北京分行 with one; customers and groups seeded in the simulator and synced."""

from __future__ import annotations

import pytest
from custody_helpers import BEIJING_RM, CUSTOMER_NAMES, LEAD, LEAVING, OTHER_RM, TAKEOVER

from scrm.db import db
from scrm.inbox.services import drain_inbox
from scrm.wecom.simulator.operator_custody import CustodyActions


@pytest.fixture
def app_config(app_config):
    """The simulator's clock jumps a day ahead (WeCom completes handovers after 24 h), so
    its callbacks carry tomorrow's timestamp: the skew check is off for these tests."""
    return app_config | {"WECOM_CALLBACK_MAX_SKEW": 0}


@pytest.fixture
def ops(sim) -> CustodyActions:
    """The simulator's custody operator (staff resign, customers refuse, time settles)."""
    return CustodyActions(sim)


@pytest.fixture
def bank(app_ctx, sim, live_server, sync_from_wecom):
    """The bank in WeCom and in scrm: 王岚 serves five customers and owns two groups."""
    sim.add_department(1, "星河银行")
    sim.add_department(2, "上海分行", parent_id=1)
    sim.add_department(3, "陆家嘴支行", parent_id=2)
    sim.add_department(4, "北京分行", parent_id=1)
    sim.add_user(LEAD, "陈行长", [2], position="分行行长", follow=False)
    sim.add_user(LEAVING, "王岚", [3], position="客户经理")
    sim.add_user(TAKEOVER, "李杰", [3], position="客户经理")
    sim.add_user(OTHER_RM, "周敏", [3], position="理财经理")
    sim.add_user(BEIJING_RM, "赵北京", [4], position="客户经理")
    customers = []
    for i, name in enumerate(CUSTOMER_NAMES):
        eid = sim.add_customer(f"wmCustody{i:02d}", name)
        sim.add_follow(LEAVING, eid, remark=f"{name}·代发")
        customers.append(eid)
    groups = [
        sim.add_group_chat(LEAVING, "陆家嘴·理财沙龙群", members=[(customers[0], 2, 1)]),
        sim.add_group_chat(LEAVING, "陆家嘴·代發客戶群", members=[(customers[1], 2, 3)]),
    ]
    sync_from_wecom(roles={LEAD: "branch_lead"})
    db.session.commit()
    return {"customers": customers, "groups": groups}


@pytest.fixture
def worker(app_ctx, live_server):
    """``worker()`` drains the inbox like ``scrm worker --once``."""

    def drain() -> dict[str, int]:
        counts = drain_inbox("custody-test")
        db.session.expire_all()
        return counts

    return drain
