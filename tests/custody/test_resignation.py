"""离职继承 end to end: an RM leaves (HR deletes them in WeCom → callback → worker), the branch
lead gives their customers and groups to a colleague, WeCom completes a day later, scrm polls
and every customer and group has its new RM — in scrm and in WeCom — without asking twice."""

from __future__ import annotations

from custody_helpers import LEAD, LEAVING, TAKEOVER, staff
from sqlalchemy import select

from scrm.custody.jobs import poll_custody
from scrm.custody.models import NEEDS_TAKEOVER, RESIGNED, Handover
from scrm.customers.models import FOLLOW_ACTIVE, FOLLOW_TRANSFERRED
from scrm.customers.services import get_follow
from scrm.db import db
from scrm.groups.models import CustomerGroup
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.transfer import unassigned_customers

DAY = 24 * 3600


def test_rm_resignation_with_all_customers_inherited(bank, sim, ops, worker, client, sign_in_as):
    ops.staff_resigns(LEAVING)
    worker()
    plan = db.session.scalar(select(Handover).where(Handover.kind == RESIGNED))
    assert plan.status == NEEDS_TAKEOVER and plan.handover_staff.userid == LEAVING
    assert plan.takeover_staff.userid == LEAD  # proposed: the branch lead above 王岚
    assert len(plan.customers) == 5 and len(plan.groups) == 2
    waiting = list(unassigned_customers(get_client("contact")))
    assert {(u.handover_userid, u.external_userid) for u in waiting} == {
        (LEAVING, eid) for eid in bank["customers"]
    }

    token = sign_in_as(staff(LEAD))
    answer = client.post(
        "/api/custody/inheritances",
        json={"departed_userid": LEAVING, "takeover_userid": TAKEOVER},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["counts"] == {"inherited": 0, "waiting": 7, "failed": 0}
    assert len(sim.calls_to("externalcontact/resigned/transfer_customer")) == 1
    assert len(sim.calls_to("externalcontact/groupchat/transfer")) == 1
    assert list(unassigned_customers(get_client("contact"))) == []  # all in handover now

    poll_custody()  # before the day has passed: still waiting
    db.session.commit()
    assert all(r.status == "waiting" for r in plan.customers)

    sim.clock.advance(DAY + 60)
    ops.settle_transfers()  # WeCom completes them and pushes add_external_contact, change_owner
    worker()
    counts = poll_custody()
    db.session.commit()
    assert counts["inherited"] == 5 and counts["closed"] == 1

    for eid in bank["customers"]:
        assert get_follow(eid, TAKEOVER).status == FOLLOW_ACTIVE
        assert get_follow(eid, LEAVING).status == FOLLOW_TRANSFERRED
        assert (TAKEOVER, eid) in sim.corp.follows and (LEAVING, eid) not in sim.corp.follows
    for chat_id in bank["groups"]:
        assert sim.corp.chats[chat_id].owner == TAKEOVER
        group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.chat_id == chat_id))
        assert group.owner.userid == TAKEOVER

    report = client.get(f"/api/custody/handovers/{plan.id}").get_json()
    assert report["counts"] == {"inherited": 7, "waiting": 0, "failed": 0}
    assert {r["name"] for r in report["customers"]} >= {"王芳🌸", "ＬＩＵ　Ｙａｎｇ"}

    calls_before = len(sim.calls)
    poll_custody()
    db.session.commit()
    assert len(sim.calls_to("externalcontact/resigned/transfer_customer")) == 1
    assert len(sim.calls) == calls_before  # a closed handover asks WeCom nothing


def test_a_member_marked_quit_without_a_delete_is_planned_by_the_clock_job(bank, sim, worker):
    sim.operator.update_user(LEAVING, status=5)  # 已退出企业, but not deleted
    worker()
    assert db.session.scalar(select(Handover)) is None
    counts = poll_custody()
    db.session.commit()
    assert counts["planned"] == 1
    plan = db.session.scalar(select(Handover))
    assert plan.status == NEEDS_TAKEOVER and len(plan.customers) == 5
    assert poll_custody()["planned"] == 0  # planned once
