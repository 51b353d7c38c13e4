"""The worker delivers each kind once, records WeCom's id, retries what may succeed later and
dead-letters the rest with the fix — never losing a delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import wait_until

from scrm.db import db, utcnow
from scrm.outbox.delivery import drain_outbox
from scrm.outbox.models import DEAD, QUEUED, SENDING, SENT, Delivery
from scrm.outbox.services import claim_due_deliveries

ADD_MSG = "externalcontact/add_msg_template"


def drain(app, worker: str = "worker-甲") -> dict:
    with app.app_context():
        return drain_outbox(worker)


def test_mass_message_is_sent_once_with_wecom_msgid_recorded(
    app, bank, enqueue, payloads, delivery, accepted, sim
):
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"sent": 1}
    [message] = sim.jobs.mass_messages.values()
    assert message.creator == bank["rm"] and message.text.startswith("本周理财早报")
    row = delivery(delivery_id)
    assert (row.status, row.wecom_ref, row.attempts) == (SENT, message.msgid, 1)
    assert row.result == {"msgid": message.msgid, "fail_list": []}
    assert row.sent_at is not None and row.claimed_by is None
    assert drain(app) == {}
    assert accepted(ADD_MSG) == 1


def test_group_mass_message_reaches_the_rms_customer_group(app, bank, enqueue, delivery, sim):
    payload = {
        "chat_type": "group",
        "sender": bank["rm"],
        "chat_id_list": [bank["chat_id"]],
        "text": {"content": "群公告：本周六上午十點理財沙龍，歡迎參加！🎉"},
    }
    delivery_id = enqueue("mass_message", payload)
    assert drain(app) == {"sent": 1}
    [message] = sim.jobs.mass_messages.values()
    assert message.chat_type == "group" and [r.target for r in message.recipients] == [
        bank["chat_id"]
    ]
    assert delivery(delivery_id).wecom_ref == message.msgid


def test_welcome_message_uses_the_code_from_the_add_event(app, bank, enqueue, delivery, sim):
    added = sim.operator.customer_adds_rm(bank["rm"], name="新客户·赵先生")
    payload = {
        "welcome_code": added.welcome_code,
        "text": {"content": "您好，我是您的客户经理林小美😊"},
    }
    delivery_id = enqueue("welcome_msg", payload)
    assert drain(app) == {"sent": 1}
    row = delivery(delivery_id)
    assert row.wecom_ref == f"welcome:{added.welcome_code}"
    assert sim.jobs.welcome_codes[added.welcome_code].used


def test_moment_records_the_job_and_the_moment_id(app, bank, enqueue, payloads, delivery, sim):
    delivery_id = enqueue("moment", payloads.moment())
    assert drain(app) == {"sent": 1}
    [task] = sim.jobs.moments.values()
    row = delivery(delivery_id)
    assert row.wecom_ref == task.jobid
    assert row.result == {"jobid": task.jobid, "moment_id": task.moment_id}
    assert task.attachments[0]["link"]["title"] == "营业时间"


def test_app_message_notifies_the_rm(app, bank, enqueue, payloads, delivery, sim):
    delivery_id = enqueue("app_message", payloads.app_message())
    assert drain(app) == {"sent": 1}
    [sent] = sim.jobs.sent_app_messages
    assert sent["touser"] == bank["rm"] and sent["agentid"] == int(app.config["WECOM_AGENT_ID"])
    assert sent["text"]["content"].startswith("提醒：客户王建国")
    assert delivery(delivery_id).status == SENT


def test_busy_wecom_is_retried_with_backoff_then_sent_once(
    app, bank, enqueue, payloads, delivery, accepted, sim, time_passes
):
    app.config.update(OUTBOX_MAX_ATTEMPTS=5)
    sim.faults.inject(ADD_MSG, errcode=45033, times=2)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"retry": 1}
    row = delivery(delivery_id)
    assert row.status == QUEUED and row.sending_started_at is None
    assert "errcode 45033" in row.last_error
    assert drain(app) == {}  # backing off: not due yet
    time_passes()
    assert drain(app) == {"retry": 1}
    time_passes()
    assert drain(app) == {"sent": 1}
    assert delivery(delivery_id).attempts == 3
    assert accepted(ADD_MSG) == 1 and len(sim.jobs.mass_messages) == 1


def test_failed_wecom_call_is_retried_then_dead_lettered_never_lost_and_retry_dead_sends_once(
    app, bank, enqueue, payloads, delivery, accepted, sim, runner
):
    app.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_BACKOFF=0)
    sim.faults.inject(ADD_MSG, errcode=-1, times=3)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"retry": 2, "dead": 1}
    row = delivery(delivery_id)
    assert (row.status, row.attempts) == (DEAD, 3)
    assert "errcode -1" in row.last_error
    assert [c.errcode for c in sim.calls_to(ADD_MSG)] == [-1, -1, -1]

    listed = runner.invoke(args=["scrm", "outbox", "list", "--status", "dead"])
    assert listed.exit_code == 0, listed.output
    assert f"#{delivery_id} mass_message dead attempts=3" in listed.output
    assert "dead=1" in listed.output and "本周理财早报" not in listed.output

    requeued = runner.invoke(args=["scrm", "outbox", "retry-dead", "--id", str(delivery_id)])
    assert "requeued 1 dead delivery(ies)" in requeued.output
    assert delivery(delivery_id).status == QUEUED
    assert drain(app) == {"sent": 1}
    assert accepted(ADD_MSG) == 1 and delivery(delivery_id).status == SENT
    assert runner.invoke(args=["scrm", "outbox", "retry-dead"]).output.startswith("requeued 0")


@pytest.mark.parametrize(
    ("errcode", "fix"),
    [
        (48002, "可调用接口的应用"),
        (60020, "企业可信IP"),
        (40058, "fix the request"),
    ],
)
def test_refusals_that_will_not_pass_on_retry_are_dead_at_once_with_the_fix(
    app, bank, enqueue, payloads, delivery, sim, errcode, fix
):
    sim.faults.inject(ADD_MSG, errcode=errcode)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"dead": 1}
    row = delivery(delivery_id)
    assert row.attempts == 1 and f"errcode {errcode}" in row.last_error and fix in row.last_error
    assert row.sending_started_at is None  # WeCom answered: nothing in flight


def test_expired_welcome_code_is_dead_with_the_reason(app, bank, enqueue, delivery, sim):
    added = sim.operator.customer_adds_rm(bank["rm"], name="遲到的客戶")
    sim.clock.advance(21)
    delivery_id = enqueue(
        "welcome_msg", {"welcome_code": added.welcome_code, "text": {"content": "歡迎！"}}
    )
    assert drain(app) == {"dead": 1}
    assert "20 s" in delivery(delivery_id).last_error


def test_two_workers_never_hold_the_same_delivery(app, bank, enqueue, payloads):
    enqueue("mass_message", payloads.mass_message())
    with app.app_context():
        first = claim_due_deliveries("worker-甲")
        second = claim_due_deliveries("worker-乙")
        assert len(first) == 1 and second == []
        db.session.rollback()


def test_timed_out_send_is_settled_by_evidence_not_resent(
    app, bank, enqueue, payloads, delivery, accepted, sim, time_passes
):
    # WeCom applies the send, but its answer comes too late for our HTTP timeout.
    app.config.update(WECOM_HTTP_TIMEOUT=0.2)
    sim.faults.inject(ADD_MSG, latency=0.6)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"retry": 1}
    row = delivery(delivery_id)
    assert row.status == SENDING and row.sending_started_at is not None
    assert "no answer from WeCom" in row.last_error
    assert wait_until(lambda: accepted(ADD_MSG) == 1)  # WeCom finished it meanwhile
    time_passes()
    assert drain(app) == {"confirmed": 1}
    [message] = sim.jobs.mass_messages.values()
    row = delivery(delivery_id)
    assert (row.status, row.wecom_ref) == (SENT, message.msgid)
    assert row.result["confirmed_by"] == "get_groupmsg_list_v2"
    assert accepted(ADD_MSG) == 1


def test_send_that_never_reached_wecom_is_sent_after_the_evidence_search(
    app, bank, enqueue, payloads, delivery, accepted, sim, time_passes
):
    sim.faults.inject(ADD_MSG, http_status=502)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"retry": 1}
    assert delivery(delivery_id).status == SENDING
    time_passes()
    assert drain(app) == {"sent": 1}
    assert accepted(ADD_MSG) == 1 and len(sim.calls_to("externalcontact/get_groupmsg_list_v2")) == 1


def test_evidence_never_claims_another_deliverys_identical_message(
    app, bank, enqueue, payloads, delivery, accepted, sim, time_passes
):
    # Two SOP steps with the same text: the first is sent; the second's send fails with no
    # answer. The first one's msgid is not evidence for the second.
    first = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"sent": 1}
    sim.faults.inject(ADD_MSG, http_status=503)
    second = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"retry": 1}
    time_passes()
    assert drain(app) == {"sent": 1}
    assert accepted(ADD_MSG) == 2
    assert delivery(first).wecom_ref != delivery(second).wecom_ref


def test_app_message_with_no_answer_is_not_resent_but_dead_as_uncertain(
    app, bank, enqueue, payloads, delivery, accepted, sim, runner
):
    sim.faults.inject("message/send", http_status=502)
    delivery_id = enqueue("app_message", payloads.app_message())
    assert drain(app) == {"dead": 1}
    assert delivery(delivery_id).last_error.startswith("uncertain: may have been sent")
    runner.invoke(args=["scrm", "outbox", "retry-dead", "--id", str(delivery_id)])
    assert drain(app) == {"sent": 1}  # the operator chose to send it again
    assert accepted("message/send") == 1


def test_stats_count_deliveries(app, bank, enqueue, payloads, sim):
    from scrm.ops.stats import collect_stats

    sim.faults.inject(ADD_MSG, errcode=48002)
    enqueue("mass_message", payloads.mass_message())
    drain(app)
    enqueue("moment", payloads.moment())
    drain(app)
    enqueue("app_message", payloads.app_message())
    with app.app_context():
        stats = collect_stats()
    assert (
        stats["outbound_deliveries_queued"],
        stats["outbound_deliveries_sent"],
        stats["outbound_deliveries_dead"],
    ) == (1, 1, 1)


def test_when_wecom_cannot_be_asked_the_uncertain_send_waits_and_is_not_resent(
    app, bank, enqueue, payloads, delivery, accepted, sim, time_passes
):
    sim.faults.inject(ADD_MSG, http_status=504)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    assert drain(app) == {"retry": 1}
    sim.faults.inject("externalcontact/get_groupmsg_list_v2", errcode=-1, times=4)
    time_passes()
    assert drain(app) == {"retry": 1}
    row = delivery(delivery_id)
    assert row.status == SENDING and "could not check whether an earlier send" in row.last_error
    assert [c.errcode for c in sim.calls_to(ADD_MSG)] == [None]  # not resent blindly
    time_passes()
    assert drain(app) == {"sent": 1}
    assert accepted(ADD_MSG) == 1 and delivery(delivery_id).attempts == 3


def test_delivery_that_killed_its_worker_every_time_is_dead_lettered_not_looped(
    app, bank, enqueue, payloads, delivery, accepted, sim, runner
):
    # Three workers in a row died between marking the row sending and hearing from WeCom
    # (say the payload makes the process run out of memory); WeCom never got the send.
    app.config.update(OUTBOX_MAX_ATTEMPTS=3)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    with app.app_context():
        row = db.session.get(Delivery, delivery_id)
        row.status, row.attempts = SENDING, 3
        row.sending_started_at = utcnow() - timedelta(minutes=30)
        row.claimed_by, row.claimed_until = "worker-已退出", utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert drain(app) == {"dead": 1}
    row = delivery(delivery_id)
    assert row.status == DEAD and "stopped during each of 3 attempts" in row.last_error
    assert f"retry-dead --id {delivery_id}" in row.last_error
    assert accepted(ADD_MSG) == 0  # looked for evidence, found none, did not send blindly
    runner.invoke(args=["scrm", "outbox", "retry-dead", "--id", str(delivery_id)])
    assert drain(app) == {"sent": 1} and accepted(ADD_MSG) == 1
