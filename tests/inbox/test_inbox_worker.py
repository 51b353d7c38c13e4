"""The worker side of the inbox: claims, exactly-once application, retries, failures."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from scrm.db import db, utcnow
from scrm.directory.models import Department
from scrm.inbox import handlers
from scrm.inbox.models import APPLIED, FAILED, IGNORED, RECEIVED, InboundEvent
from scrm.inbox.services import (
    LOST,
    RETRY,
    claim_due_events,
    dedupe_key,
    drain_inbox,
    process_event,
    retry_failed_events,
    store_event,
)
from scrm.wecom.errors import WeComBusy
from scrm.wecom.events import ExternalContactChanged, parse_event


def _store(plaintext: str) -> int:
    row, created = store_event(plaintext, parse_event(plaintext))
    assert created
    db.session.commit()
    return row.id


def _row(event_id: int) -> InboundEvent:
    return db.session.get(InboundEvent, event_id, populate_existing=True)


@pytest.fixture
def branch_opening_handler(monkeypatch):
    """A handler that writes a department for every customer added, then succeeds."""

    def apply_event(event):
        if not isinstance(event, ExternalContactChanged):
            return False
        db.session.add(Department(id=len(event.external_userid) * 7, name="江苏分行·南京支行"))
        db.session.flush()
        return True

    monkeypatch.setattr(handlers, "apply_event", apply_event)


@pytest.fixture
def wecom_down_handler(monkeypatch):
    """A handler that writes, then meets a WeCom outage: its write must be rolled back."""
    calls = []

    def apply_event(event):
        calls.append(event)
        db.session.add(Department(id=900 + len(calls), name="不该留下的支行"))
        db.session.flush()
        raise WeComBusy(45009, "api freq out of limit 客户太多了", "externalcontact/get")

    monkeypatch.setattr(handlers, "apply_event", apply_event)
    return calls


def test_store_event_returns_the_existing_row_for_a_duplicate(app_ctx, customer_added):
    plaintext = customer_added(external_userid="wm重複客户")
    first, created = store_event(plaintext, parse_event(plaintext))
    again, created_again = store_event(plaintext, parse_event(plaintext))
    assert (created, created_again) == (True, False)
    assert first.id == again.id


def test_text_message_is_ignored_and_kept(app_ctx, text_message):
    event_id = _store(text_message(content="請問理財產品收益？"))
    assert drain_inbox("worker-甲") == {IGNORED: 1}
    row = _row(event_id)
    assert (row.status, row.applied_at, row.claimed_by) == (IGNORED, None, None)


def test_applied_event_commits_with_the_handlers_writes(
    app_ctx, customer_added, branch_opening_handler
):
    event_id = _store(customer_added(external_userid="wm客户A"))
    assert drain_inbox("worker-甲") == {APPLIED: 1}
    db.session.remove()
    row = _row(event_id)
    assert row.status == APPLIED and row.applied_at is not None and row.attempts == 0
    assert db.session.scalars(select(Department.name)).all() == ["江苏分行·南京支行"]
    # A second drain finds nothing: the event is applied exactly once.
    assert drain_inbox("worker-乙") == {}


def test_failing_handler_is_retried_with_backoff_then_failed_and_kept(
    app, app_ctx, customer_added, wecom_down_handler
):
    app.config.update(INBOX_RETRY_BACKOFF=60, INBOX_MAX_ATTEMPTS=3)
    event_id = _store(customer_added(external_userid="wm客户😀"))

    before = utcnow()
    assert drain_inbox("worker-甲") == {RETRY: 1}
    row = _row(event_id)
    assert (row.status, row.attempts, row.claimed_by) == (RECEIVED, 1, None)
    assert row.last_error.startswith("WeComBusy: WeCom externalcontact/get failed: errcode=45009")
    # 60 s for the first retry, ±20 % jitter.
    assert before + timedelta(seconds=47) < row.next_attempt_at < utcnow() + timedelta(seconds=73)
    assert db.session.scalars(select(Department)).all() == []  # the handler's write rolled back
    assert drain_inbox("worker-甲") == {}  # not due yet

    _make_due(event_id)
    before = utcnow()
    assert drain_inbox("worker-甲") == {RETRY: 1}
    row = _row(event_id)
    assert row.attempts == 2
    assert before + timedelta(seconds=95) < row.next_attempt_at < utcnow() + timedelta(seconds=145)

    _make_due(event_id)
    assert drain_inbox("worker-甲") == {FAILED: 1}
    row = _row(event_id)
    assert (row.status, row.attempts) == (FAILED, 3)
    assert row.payload and "wm客户😀" in row.payload  # kept, never dropped
    assert len(wecom_down_handler) == 3
    _make_due(event_id)
    assert drain_inbox("worker-甲") == {}  # failed events wait for a person


def test_operator_requeues_failed_events_and_they_apply(app, app_ctx, customer_added, monkeypatch):
    app.config.update(INBOX_MAX_ATTEMPTS=2)
    failing = _store(customer_added(external_userid="wm客户一"))
    healthy = _store(customer_added(external_userid="wm客户二二"))

    def apply_event(event):
        if event.external_userid == "wm客户一":
            raise RuntimeError("客户资料不完整")
        return True

    monkeypatch.setattr(handlers, "apply_event", apply_event)
    assert drain_inbox("worker-甲") == {APPLIED: 1, RETRY: 1, FAILED: 1}
    assert _row(failing).last_error == "RuntimeError: 客户资料不完整"

    monkeypatch.setattr(handlers, "apply_event", lambda event: True)
    assert retry_failed_events() == 1
    db.session.commit()
    assert drain_inbox("worker-甲") == {APPLIED: 1}
    assert {_row(failing).status, _row(healthy).status} == {APPLIED}
    assert retry_failed_events([failing]) == 0


def test_two_workers_claiming_concurrently_never_take_the_same_row(app, app_ctx, customer_added):
    ids = {_store(customer_added(external_userid=f"wm客户{n:03d}")) for n in range(120)}
    db.session.remove()
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str):
        with app.app_context():
            barrier.wait()
            mine = claimed.setdefault(name, [])
            while rows := claim_due_events(name, limit=7):
                mine.extend(row.id for row in rows)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in "甲乙丙丁"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [event_id for mine in claimed.values() for event_id in mine]
    assert len(everything) == len(set(everything))  # nobody took a row twice
    assert set(everything) == ids  # and every row was taken


def test_worker_whose_claim_expired_does_not_apply_the_event_again(
    app_ctx, customer_added, branch_opening_handler
):
    event_id = _store(customer_added(external_userid="wm客户遲"))
    [slow] = claim_due_events("worker-慢", limit=10)
    # The slow worker stalls past its claim; another worker takes the event over.
    db.session.execute(update(InboundEvent).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    [fast] = claim_due_events("worker-快", limit=10)
    assert fast.id == slow.id == event_id
    assert process_event(slow, "worker-慢") == LOST
    assert process_event(fast, "worker-快") == APPLIED
    assert process_event(slow, "worker-慢") == LOST
    db.session.remove()
    assert len(db.session.scalars(select(Department)).all()) == 1


def test_a_welcome_add_behind_200_due_events_is_claimed_first(
    app_ctx, customer_added, text_message
):
    for n in range(200):
        _store(text_message(content=f"第{n}条：请问大额存单利率？"))
    # The customer's welcome code lives 20 s: the add must not wait for the 200 before it.
    added = _store(customer_added(external_userid="wm新客户🌷"))
    first = claim_due_events("worker-甲", limit=1)
    assert [row.id for row in first] == [added]
    # An add without a welcome code (e.g. a welcome set in WeCom's admin) waits its turn.
    no_code = customer_added(external_userid="wm另一位").replace(
        "<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>", ""
    )
    later = _store(no_code)
    assert [row.id for row in claim_due_events("worker-乙", limit=201)][-1] == later


def test_drain_stops_when_asked_and_gives_its_claims_back(app_ctx, text_message):
    for n in range(5):
        _store(text_message(content=f"第{n}条留言"))
    stop = threading.Event()
    stop.set()
    assert drain_inbox("worker-甲", batch=2, stop=stop) == {}
    assert claim_due_events("worker-乙", limit=10).__len__() == 5


def _make_due(event_id: int) -> None:
    # Stands in for the backoff passing, without sleeping.
    db.session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_a_stored_event_that_no_longer_parses_fails_at_once_without_a_traceback(
    app_ctx, customer_added, caplog
):
    # Stored by an older scrm that read CreateTime loosely; retrying cannot make it readable.
    plaintext = customer_added(external_userid="wm舊客户", created=1767225600123)
    good = customer_added(external_userid="wm新客户")
    for text_ in (plaintext, good):
        db.session.add(
            InboundEvent(
                dedupe_key=dedupe_key(text_),
                msg_type="event",
                payload=text_,
                status=RECEIVED,
                attempts=0,
                next_attempt_at=utcnow(),
            )
        )
    db.session.commit()
    with caplog.at_level(logging.INFO):
        counts = drain_inbox("worker-甲")
    assert counts[FAILED] == 1 and sum(counts.values()) == 2
    row = db.session.scalars(
        select(InboundEvent).where(InboundEvent.dedupe_key == dedupe_key(plaintext))
    ).one()
    assert (row.status, row.attempts) == (FAILED, 1)
    assert row.last_error.startswith("MalformedEvent: ") and "CreateTime" in row.last_error
    assert row.payload == plaintext  # kept for a person to look at
    assert all(r.exc_info is None for r in caplog.records)
    assert "wm舊客户" not in caplog.text
