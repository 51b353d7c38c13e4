"""Welcome messages (欢迎语) have 20 seconds: they go before everything else in the outbox, a
slow send keeps its claim so nobody sends it again, a refused-as-busy welcome is retried
within its window, and one whose window has passed is dead at once, said in Chinese, without
asking WeCom again."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from helpers import wait_until
from sqlalchemy import update

from scrm.db import db, utcnow
from scrm.outbox.delivery import deliver, drain_outbox
from scrm.outbox.models import DEAD, QUEUED, SENT, Delivery
from scrm.outbox.services import claim_due_deliveries

ADD_MSG = "externalcontact/add_msg_template"
WELCOME = "externalcontact/send_welcome_msg"


def drain(app, worker: str = "worker-甲") -> dict:
    with app.app_context():
        return drain_outbox(worker)


def _welcome(app, sim, bank, enqueue, *, queued_seconds_ago: float = 0) -> tuple[int, str]:
    """A customer adds the RM; the welcome is queued (``queued_seconds_ago``)."""
    added = sim.operator.customer_adds_rm(bank["rm"], name="新客户·周小姐🌼")
    payload = {"welcome_code": added.welcome_code, "text": {"content": "周小姐您好，欢迎！"}}
    delivery_id = enqueue("welcome_msg", payload)
    if queued_seconds_ago:
        with app.app_context(), db.session.begin():
            db.session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(created_at=utcnow() - timedelta(seconds=queued_seconds_ago))
            )
    return delivery_id, added.welcome_code


def test_a_welcome_behind_200_queued_deliveries_is_claimed_first(app, bank, enqueue, payloads, sim):
    for n in range(200):
        enqueue("app_message", payloads.app_message(f"提醒{n}：客户的定期存款明天到期。"))
    welcome_id, _ = _welcome(app, sim, bank, enqueue)
    with app.app_context():
        assert [row.id for row in claim_due_deliveries("worker-甲", limit=1)] == [welcome_id]
        db.session.rollback()


def test_a_send_slower_than_its_claim_is_not_taken_over_and_sent_again(
    app, bank, enqueue, payloads, delivery, accepted, sim
):
    app.config.update(OUTBOX_CLAIM_SECONDS=2, WECOM_HTTP_TIMEOUT=15)
    delivery_id = enqueue("mass_message", payloads.mass_message())
    with app.app_context():
        [claimed] = [row.id for row in claim_due_deliveries("worker-甲")]
    sim.faults.inject(ADD_MSG, latency=5)  # WeCom answers after 2.5 claim lengths
    counts: dict = {}

    def send() -> None:
        with app.app_context():
            row = db.session.get(Delivery, claimed)
            counts[deliver(row, "worker-甲")] = 1

    thread = threading.Thread(target=send)
    thread.start()
    taken = []
    with app.app_context():
        while thread.is_alive():
            taken += [row.id for row in claim_due_deliveries("worker-乙")]
            time.sleep(0.1)
    thread.join()
    assert taken == [] and counts == {"sent": 1}
    assert delivery(delivery_id).status == SENT
    assert accepted(ADD_MSG) == 1 and len(sim.jobs.mass_messages) == 1


def test_a_welcome_past_its_20_seconds_is_dead_at_once_in_chinese_without_asking_wecom(
    app, bank, enqueue, delivery, sim, runner
):
    # The outbox could not get to it in time (every worker was down, say).
    delivery_id, _ = _welcome(app, sim, bank, enqueue, queued_seconds_ago=21)
    assert drain(app) == {"dead": 1}
    assert sim.calls_to(WELCOME) == []  # WeCom would only have answered 41051
    row = delivery(delivery_id)
    assert (row.status, row.attempts) == (DEAD, 1)
    assert row.last_error.startswith("欢迎语码已过期") and "greet the customer by hand" in (
        row.last_error
    )
    listed = runner.invoke(args=["scrm", "outbox", "list", "--status", "dead"])
    assert f"#{delivery_id} welcome_msg dead attempts=1" in listed.output
    assert "欢迎语码已过期" in listed.output and "周小姐您好" not in listed.output
    assert drain(app) == {}  # and it stays dead: not retried


def test_a_welcome_refused_as_busy_is_retried_within_its_20_seconds(
    app, bank, enqueue, delivery, sim
):
    app.config.update(WECOM_MAX_RETRIES=0)
    sim.faults.inject(WELCOME, errcode=45033)
    delivery_id, code = _welcome(app, sim, bank, enqueue)
    assert drain(app) == {"retry": 1}
    row = delivery(delivery_id)
    assert row.status == QUEUED and "errcode 45033" in row.last_error
    # Not the ordinary backoff (OUTBOX_RETRY_BACKOFF, 30 s): the code would be gone by then.
    assert row.next_attempt_at <= utcnow() + timedelta(seconds=1.5)
    # Due again within a second or so, well inside the code's 20 s.
    assert wait_until(lambda: drain(app) == {"sent": 1}, timeout=10, interval=0.1)
    [received] = sim.jobs.sent_welcome_messages
    assert received["welcome_code"] == code and received["sent_at"] <= received["code_expires_at"]


def test_a_welcome_whose_retry_would_fall_past_its_20_seconds_is_dead_not_retried(
    app, bank, enqueue, delivery, sim
):
    app.config.update(WECOM_MAX_RETRIES=0)
    sim.faults.inject(WELCOME, errcode=-1)
    delivery_id, _ = _welcome(app, sim, bank, enqueue, queued_seconds_ago=19.5)
    assert drain(app) == {"dead": 1}
    row = delivery(delivery_id)
    assert row.last_error.startswith("欢迎语码已过期") and "errcode -1" in row.last_error
    assert [call.errcode for call in sim.calls_to(WELCOME)] == [-1]
