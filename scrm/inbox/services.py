"""The durable inbox: store each WeCom event once, then claim, apply and retry it.

At-least-once in, exactly-once effect: the callback stores the decrypted event under the
sha256 of its plaintext (WeCom's retries carry the same plaintext), workers claim due rows
with a guarded UPDATE so two workers never take the same row, and an event's status changes
in the same transaction as the handler's writes.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import StatementError

from scrm.db import db, insert_unless_present, utcnow
from scrm.inbox import handlers
from scrm.inbox.models import APPLIED, FAILED, IGNORED, RECEIVED, InboundEvent
from scrm.wecom.events import ExternalContactChanged, MalformedEvent, WeComEvent, parse_event
from scrm.worker.claims import claim_due_rows, release_other_claims, take_claim, working_on
from scrm.worker.models import ORDINARY, TIME_CRITICAL

log = logging.getLogger(__name__)

#: Outcomes of :func:`process_event`, also the keys of :func:`drain_inbox`'s counts.
RETRY = "retry"  # failed this time, due again after a backoff
LOST = "lost"  # another worker holds the event (our claim expired or was given back)

#: Events whose handler sends a welcome message (欢迎语) when they carry a welcome code.
_ADDS = frozenset({"add_external_contact", "add_half_external_contact"})

_DUE = InboundEvent.status == RECEIVED


def dedupe_key(plaintext: str) -> str:
    """The key under which an event is stored once: sha256 hex of its decrypted plaintext."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def priority_of(event: WeComEvent) -> int:
    """``TIME_CRITICAL`` for an add that carries a welcome code (WeCom accepts the welcome
    message within 20 s of the add, once), ``ORDINARY`` for everything else."""
    if (
        isinstance(event, ExternalContactChanged)
        and event.change_type in _ADDS
        and event.welcome_code
    ):
        return TIME_CRITICAL
    return ORDINARY


def record_event(
    plaintext: str, event: WeComEvent, *, connection: Connection | None = None
) -> bool:
    """Insert a decrypted callback event unless the same event is already stored.

    Race-safe across processes: the unique ``dedupe_key`` decides, through
    ``INSERT … ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite) — no row is read first.

    :param plaintext: the decrypted XML, stored as the payload.
    :param event: the parsed event, for the indexed type columns.
    :param connection: a connection in a transaction the caller commits (the callback view
        passes one to skip the ORM session on its hot path); default: the session's.
    :return: True when this call stored it, False for a duplicate delivery.
    """
    now = utcnow()
    values = {
        "dedupe_key": dedupe_key(plaintext),
        "msg_type": event.msg_type[:32],
        "event": event.event[:64] if event.event else None,
        "change_type": event.change_type[:64] if event.change_type else None,
        "wecom_created_at": event.created_at,
        "payload": plaintext,
        "status": RECEIVED,
        "priority": priority_of(event),
        "attempts": 0,
        "next_attempt_at": now,
        "received_at": now,
    }
    connection = connection if connection is not None else db.session.connection()
    statement = insert_unless_present(
        InboundEvent.__table__, ["dedupe_key"], dialect=connection.dialect.name, returning=["id"]
    )
    # Parameters, not .values(): the statement is built and compiled once per process.
    return connection.execute(statement, values).first() is not None


def store_event(plaintext: str, event: WeComEvent) -> tuple[InboundEvent, bool]:
    """Store an event once and return its row.

    :return: ``(row, created)``; ``created`` is False when the event was already stored.
    """
    created = record_event(plaintext, event)
    row = db.session.scalars(
        select(InboundEvent).where(InboundEvent.dedupe_key == dedupe_key(plaintext))
    ).one()
    return row, created


def claim_due_events(worker_id: str, limit: int = 10) -> list[InboundEvent]:
    """Claim up to ``limit`` due events (status received) for one worker; commits, so others
    see the claim. See :mod:`scrm.worker.claims`.

    :param worker_id: who claims (see :func:`scrm.worker.runner.new_worker_id`).
    :return: the claimed rows, time-critical first (adds with a welcome code), then oldest.
    """
    return claim_due_rows(InboundEvent, _DUE, worker_id, limit, _claim_seconds())


def _claim_seconds() -> float:
    return float(current_app.config["INBOX_CLAIM_SECONDS"])


def process_event(row: InboundEvent, worker_id: str | None = None) -> str:
    """Apply one claimed event in its own transaction (this function commits).

    The handler's writes and the row's new status commit together, so an event is applied
    exactly once. A handler that raises is rolled back and retried later with exponential
    backoff and jitter; after ``INBOX_MAX_ATTEMPTS`` the event is marked failed and kept. An
    event that cannot be read, or lacks the id it is about (:class:`MalformedEvent`), is
    marked failed at once: retrying cannot help. The claim is taken afresh before the handler
    runs and renewed while it runs, however long that is (:mod:`scrm.worker.claims`).

    :param row: a row returned by :func:`claim_due_events`.
    :param worker_id: the claimer. Pass it: once a row object is expired by a commit, its
        ``claimed_by`` reloads from the database and may name whoever took it over.
    :return: ``applied``, ``ignored`` (no handler for this kind), ``retry``, ``failed``, or
        ``lost`` (another worker holds the event).
    """
    row_id, claimer, payload = row.id, worker_id or row.claimed_by, row.payload
    seconds = _claim_seconds()
    if not take_claim(InboundEvent, _DUE, row_id, claimer, seconds):
        return LOST
    with working_on(InboundEvent, _DUE, row_id, claimer, seconds):
        return _apply(row_id, claimer, payload)


def _apply(row_id: int, claimer: str, payload: str) -> str:
    try:
        event = parse_event(payload)
        applied = handlers.apply_event(event)
        outcome = APPLIED if applied else IGNORED
        finished = db.session.execute(
            update(InboundEvent)
            .where(
                InboundEvent.id == row_id,
                InboundEvent.status == RECEIVED,
                InboundEvent.claimed_by == claimer,
            )
            .values(
                status=outcome,
                applied_at=utcnow() if applied else None,
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        if finished.rowcount != 1:
            db.session.rollback()
            log.warning("inbound event %s: claim lost to another worker; not applied here", row_id)
            return LOST
        db.session.commit()  # commit in steps: the event and its status, one per event
    except Exception as exc:  # any handler failure must be kept and retried, never crash
        db.session.rollback()
        # An event that cannot be read, or lacks the id it is about, reads the same next time.
        return _record_failure(row_id, claimer, exc, final=isinstance(exc, MalformedEvent))
    if outcome == IGNORED:
        log.info(
            "inbound event %s ignored: no handler for %s/%s/%s",
            row_id,
            event.msg_type,
            event.event,
            event.change_type,
        )
    return outcome


def _describe(exc: BaseException) -> str:
    # Statement errors quote their SQL parameters, which may hold customer data or the
    # payload: keep the driver's class and first line only.
    if isinstance(exc, StatementError) and exc.orig is not None:
        detail = type(exc.orig).__name__
    else:
        detail = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {detail}"[:300]


def _record_failure(
    row_id: int, claimer: str | None, exc: BaseException, *, final: bool = False
) -> str:
    config = current_app.config
    row = db.session.get(InboundEvent, row_id, populate_existing=True)
    if row is None or row.status != RECEIVED or row.claimed_by != claimer:
        db.session.rollback()
        return LOST
    attempts = row.attempts + 1
    error = _describe(exc)
    values: dict = {"attempts": attempts, "last_error": error}
    values.update(claimed_by=None, claimed_until=None)
    if final:
        values["status"] = FAILED
        outcome = FAILED
        log.error("inbound event %s cannot be applied, needs a person: %s", row_id, error)
    elif attempts >= int(config["INBOX_MAX_ATTEMPTS"]):
        values["status"] = FAILED
        outcome = FAILED
        log.error("inbound event %s failed %d times, needs a person: %s", row_id, attempts, error)
    else:
        delay = float(config["INBOX_RETRY_BACKOFF"]) * 2 ** (attempts - 1)
        delay *= random.uniform(0.8, 1.2)  # jitter: retries of a burst spread out
        values["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
        outcome = RETRY
        log.warning(
            "inbound event %s attempt %d failed, retry in %.0fs: %s", row_id, attempts, delay, error
        )
    db.session.execute(
        update(InboundEvent)
        .where(
            InboundEvent.id == row_id,
            InboundEvent.claimed_by == claimer,
            InboundEvent.attempts == row.attempts,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # commit in steps: the failure is kept for the retry
    return outcome


def release_claims(worker_id: str) -> int:
    """Give back the rows a stopping worker claimed but did not process (flushes).

    :return: how many rows were released.
    """
    return release_other_claims(InboundEvent, _DUE, worker_id)


def drain_inbox(
    worker_id: str,
    batch: int = 10,
    *,
    stop: threading.Event | None = None,
    rounds: int | None = None,
) -> dict[str, int]:
    """Apply due events until none is left (or ``stop`` is set); commits per event.

    :param worker_id: who claims the rows.
    :param batch: rows claimed at a time; few, so a claimed batch never waits long.
    :param stop: set by a stopping worker; unprocessed claims are released.
    :param rounds: claim at most this many batches (the worker does one, then turns to the
        outbox); ``None`` drains until nothing is due.
    :return: counts by outcome (``applied``, ``ignored``, ``retry``, ``failed``, ``lost``).
    """
    counts: Counter[str] = Counter()
    done = 0
    while not (stop and stop.is_set()) and (rounds is None or done < rounds):
        rows = claim_due_events(worker_id, batch)
        done += 1
        if not rows:
            break
        for row in rows:
            if stop and stop.is_set():
                release_claims(worker_id)
                db.session.commit()  # commit in steps: other workers take the released rows now
                break
            counts[process_event(row, worker_id)] += 1
    return dict(counts)


def retry_failed_events(event_ids: list[int] | None = None) -> int:
    """Requeue failed events (all, or the given ids) for a fresh set of attempts (flushes).

    :param event_ids: only these events; ``None`` means every failed event.
    :return: how many events were requeued.
    """
    query = update(InboundEvent).where(InboundEvent.status == FAILED)
    if event_ids is not None:
        query = query.where(InboundEvent.id.in_(event_ids))
    requeued = db.session.execute(
        query.values(
            status=RECEIVED,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        ).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return requeued.rowcount
