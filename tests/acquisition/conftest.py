"""A small bank for acquisition: HQ ops, the 陆家嘴 sub-branch with two RMs, an RM in 北京, an
assistant without 客户联系, corp tags and one customer group; synced into scrm."""

from __future__ import annotations

import pytest
from acq_names import ASSISTANT, BEIJING, BJ_RM, HQ, LEAD, LUJIAZUI, RM1, RM2, SHANGHAI

from scrm.db import db
from scrm.inbox.services import drain_inbox
from scrm.outbox.delivery import drain_outbox
from scrm.wecom.simulator.operator_acquisition import AcquisitionActions


@pytest.fixture
def bank(app_ctx, sim, sync_from_wecom):
    sim.add_department(1, "星河银行（测试）")
    sim.add_department(SHANGHAI, "上海分行", parent_id=1)
    sim.add_department(LUJIAZUI, "陆家嘴支行", parent_id=SHANGHAI)
    sim.add_department(BEIJING, "北京分行", parent_id=1)
    sim.add_user(HQ, "宗运营", [1], position="总行运营", follow=False)
    sim.add_user(LEAD, "陈行长", [SHANGHAI], position="分行负责人", follow=False)
    sim.add_user(RM1, "林小美", [LUJIAZUI], position="客户经理")
    sim.add_user(RM2, "王建国", [LUJIAZUI], position="客户经理")
    sim.add_user(BJ_RM, "赵北京", [BEIJING], position="客户经理")
    sim.add_user(ASSISTANT, "周助理", [LUJIAZUI], position="助理", follow=False)
    group_id, tags = sim.add_tag_group("获客渠道", ["春季理财节🌸", "代發客戶"])
    chat_id = sim.add_group_chat(RM1, "陆家嘴·新客欢迎群")
    staff = sync_from_wecom(roles={HQ: "hq_ops", LEAD: "branch_lead"})
    db.session.commit()
    return {"staff": staff, "spring": tags[0], "payroll": tags[1], "chat_id": chat_id}


@pytest.fixture
def scans(sim) -> AcquisitionActions:
    """The acquisition operator actions (a customer scans a code, an RM adds by phone)."""
    return AcquisitionActions(sim)


@pytest.fixture
def worker(app_ctx, live_server):
    """``worker()`` drains the inbox, then the outbox, like one ``scrm worker --once`` pass."""

    def _drain(*, outbox: bool = True) -> tuple[dict, dict]:
        inbox = drain_inbox("acq-worker")
        sent = drain_outbox("acq-worker") if outbox else {}
        db.session.expire_all()
        return inbox, sent

    return _drain
