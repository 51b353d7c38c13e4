"""在职转接: a branch lead hands an RM's customers to a colleague. WeCom shows each customer a
message (checked by compliance first), refuses one handed over too often, one customer
refuses, the rest move a day later — and nothing is asked of WeCom twice."""

from __future__ import annotations

from custody_helpers import LEAD, LEAVING, TAKEOVER, staff
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.custody.jobs import poll_custody
from scrm.custody.models import Handover
from scrm.customers.models import FOLLOW_ACTIVE, FOLLOW_TRANSFER_FAILED, FOLLOW_TRANSFERRED
from scrm.customers.services import get_follow
from scrm.db import db
from scrm.wecom.simulator.custody import custody_of

DAY = 24 * 3600
WELCOME = "您好！我是李杰，今后由我為您服務，有任何理財問題歡迎隨時找我～😊"


def post(client, token, **body):
    return client.post("/api/custody/handovers", json=body, headers={"X-CSRF-Token": token})


def test_onjob_handover_with_one_refusal_and_one_over_the_90_day_limit(
    bank, sim, ops, worker, client, sign_in_as
):
    moved, refuses, too_often, also_moved = bank["customers"][:4]
    ops.customer_will_refuse(refuses)
    now = sim.clock.now()  # handed over twice in the last two months already
    custody_of(sim.corp).transfer_times[too_often] = [now - 60 * DAY, now - 30 * DAY]
    token = sign_in_as(staff(LEAD))

    answer = post(
        client,
        token,
        handover_userid=LEAVING,
        takeover_userid=TAKEOVER,
        external_userids=[moved, refuses, too_often, also_moved],
        success_msg=WELCOME,
        request_key="form-2026-0001",
    )
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()
    outcome = {r["external_userid"]: (r["outcome"], r["reason"]) for r in report["customers"]}
    assert outcome[too_often][0] == "failed" and "90 days" in outcome[too_often][1]
    assert report["counts"] == {"inherited": 0, "waiting": 3, "failed": 1}
    archived = db.session.scalar(
        select(ArchivedMessage).where(ArchivedMessage.origin == "handover")
    )
    assert archived.text == WELCOME and archived.sender == LEAVING

    again = post(
        client,
        token,
        handover_userid=LEAVING,
        takeover_userid=TAKEOVER,
        external_userids=[moved],
        request_key="form-2026-0001",
    )
    assert again.status_code == 201 and again.get_json()["id"] == report["id"]
    assert len(sim.calls_to("externalcontact/transfer_customer")) == 1

    sim.clock.advance(DAY + 60)
    ops.settle_transfers()  # del (DELETE_BY_TRANSFER) + add for two, transfer_fail for one
    worker()
    poll_custody()
    db.session.commit()

    handover = db.session.get(Handover, report["id"])
    status = {r.external_userid: (r.status, r.reason) for r in handover.customers}
    assert status[moved] == ("inherited", None) and status[also_moved][0] == "inherited"
    assert status[refuses] == ("refused", "customer_refused")
    assert status[too_often][0] == "refused_by_wecom" and handover.status == "closed"
    for eid in (moved, also_moved):
        assert get_follow(eid, TAKEOVER).status == FOLLOW_ACTIVE
        assert get_follow(eid, LEAVING).status == FOLLOW_TRANSFERRED
    refused_follow = get_follow(refuses, TAKEOVER)
    assert refused_follow.status == FOLLOW_TRANSFER_FAILED
    assert refused_follow.transfer_fail_reason == "customer_refused"
    assert get_follow(refuses, LEAVING).status == FOLLOW_ACTIVE
    assert get_follow(too_often, LEAVING).status == FOLLOW_ACTIVE
    assert (TAKEOVER, refuses) not in sim.corp.follows and (LEAVING, refuses) in sim.corp.follows

    poll_custody()
    db.session.commit()
    assert len(sim.calls_to("externalcontact/transfer_customer")) == 1


def test_takeover_at_the_customer_limit_fails_with_the_reason(
    bank, sim, ops, worker, client, sign_in_as
):
    ops.takeover_list_full(TAKEOVER)
    token = sign_in_as(staff(LEAD))
    answer = post(
        client,
        token,
        handover_userid=LEAVING,
        takeover_userid=TAKEOVER,
        external_userids=bank["customers"][:1],
    )
    assert answer.status_code == 201
    sim.clock.advance(DAY + 1)
    ops.settle_transfers()
    worker()
    poll_custody()
    db.session.commit()
    report = client.get(f"/api/custody/handovers/{answer.get_json()['id']}").get_json()
    assert report["customers"][0]["status"] == "takeover_at_limit"
    assert report["customers"][0]["reason"] == "customer_limit_exceed"


def test_a_handover_message_promising_returns_is_refused_and_nothing_starts(
    bank, sim, client, sign_in_as
):
    token = sign_in_as(staff(LEAD))
    answer = post(
        client,
        token,
        handover_userid=LEAVING,
        takeover_userid=TAKEOVER,
        success_msg="以后跟着李经理买理财，保收益！",
    )
    assert answer.status_code == 400
    assert "blocked by compliance (保收益)" in answer.get_json()["error"]["message"]
    attempt = db.session.scalar(select(ArchivedMessage).where(ArchivedMessage.origin == "handover"))
    assert attempt.outcome == "blocked" and attempt.attempted_by == LEAD  # kept for compliance
    assert db.session.scalar(select(func.count()).select_from(Handover)) == 0
    assert sim.calls_to("externalcontact/transfer_customer") == []


def test_a_handover_message_over_200_characters_is_refused_before_wecom(
    bank, sim, client, sign_in_as
):
    token = sign_in_as(staff(LEAD))
    answer = post(
        client, token, handover_userid=LEAVING, takeover_userid=TAKEOVER, success_msg="您好" * 101
    )
    assert answer.status_code == 400 and "200" in answer.get_json()["error"]["message"]
    assert sim.calls_to("externalcontact/transfer_customer") == []
