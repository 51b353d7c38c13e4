"""The outbox's writes: enqueue once, claim, start an attempt, record the outcome, requeue.

Every state change after the claim is a guarded UPDATE (``claimed_by`` = this worker, the
expected status), so a worker whose claim expired and was taken over writes nothing.
These functions flush; :mod:`scrm.outbox.delivery` commits between the steps that must be
durable before WeCom is called.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, func, literal, or_, select, update

from scrm.db import UTCDateTime, db, insert_unless_present, utcnow
from scrm.outbox.kinds import APP_MESSAGE, WELCOME_MSG, send_deadline, validate_payload
from scrm.outbox.models import DEAD, QUEUED, SENDING, SENT, STATUSES, Delivery
from scrm.worker.claims import claim_due_rows, release_other_claims
from scrm.worker.models import ORDINARY, TIME_CRITICAL

log = logging.getLogger(__name__)

RETRY = "retry"  # failed this time, due again after a backoff

#: The statuses in which a delivery is due (once its claim and backoff are over).
DUE = Delivery.status.in_((QUEUED, SENDING))

#: At most this long between attempts at a delivery with a deadline (a welcome message).
DEADLINE_RETRY_SECONDS = 1.0

WELCOME_CODE_EXPIRED = (
    "欢迎语码已过期：客户添加客户经理已超过20秒，企业微信不再接受这条欢迎语，不再发送；"
    "请客户经理手动问候客户。 (the welcome code expired: WeCom accepts a welcome message only "
    "within 20 s of the add, so it is not sent — the RM should greet the customer by hand)"
)


def enqueue_delivery(
    kind: str, payload: dict[str, Any], *, idempotency_key: str, archived_message_id: int
) -> Delivery:
    """Queue one delivery, once per ``idempotency_key`` (flushes).

    Race-safe across processes: the unique key decides (``INSERT … ON CONFLICT DO NOTHING``),
    so a gate called twice for the same decision gets the first row back, never a second.

    :param kind: ``welcome_msg``, ``mass_message``, ``moment`` or ``app_message``.
    :param payload: the WeCom request body (see :mod:`scrm.outbox.kinds`).
    :param idempotency_key: the caller's key for this decision (at most 191 characters, as
        in the archive).
    :param archived_message_id: the archive row of the message.
    :raise InvalidDelivery: for an unknown kind or a payload WeCom would refuse.
    :raise ValueError: for an empty or over-long idempotency key.
    """
    validate_payload(kind, payload)
    if not idempotency_key or len(idempotency_key) > 191:
        raise ValueError("idempotency_key must be 1 to 191 characters (e.g. a hash of the send)")
    now = utcnow()
    values = {
        "idempotency_key": idempotency_key,
        "kind": kind,
        "payload": payload,
        "archived_message_id": archived_message_id,
        "status": QUEUED,
        "priority": TIME_CRITICAL if kind == WELCOME_MSG else ORDINARY,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    connection = db.session.connection()
    statement = insert_unless_present(
        Delivery.__table__, ["idempotency_key"], dialect=connection.dialect.name
    )
    connection.execute(statement, values)
    row = db.session.scalars(
        select(Delivery).where(Delivery.idempotency_key == idempotency_key)
    ).one()
    if row.kind != kind or row.payload != payload:
        log.warning(
            "delivery %s: enqueued again under key with a different kind or payload; "
            "the first one stands",
            row.id,
        )
    return row


def claim_due_deliveries(worker_id: str, limit: int = 10) -> list[Delivery]:
    """Claim up to ``limit`` due deliveries for one worker; commits, so others see the claim.

    A ``sending`` row is due again once its claim expired: its worker died mid-send, and the
    delivery first looks in WeCom for evidence of the send (see :mod:`scrm.outbox.delivery`).

    :return: the claimed rows, welcome messages first, then oldest first.
    """
    return claim_due_rows(Delivery, DUE, worker_id, limit, claim_seconds())


def claim_seconds() -> float:
    """How long a claim on a delivery lasts unless renewed (``OUTBOX_CLAIM_SECONDS``)."""
    return float(current_app.config["OUTBOX_CLAIM_SECONDS"])


def _mine(delivery_id: int, worker_id: str, *statuses: str):
    return and_(
        Delivery.id == delivery_id,
        Delivery.claimed_by == worker_id,
        Delivery.status.in_(statuses),
    )


def _guarded(delivery_id: int, worker_id: str, statuses: tuple[str, ...], **values) -> bool:
    done = db.session.execute(
        update(Delivery)
        .where(_mine(delivery_id, worker_id, *statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return done.rowcount == 1


def start_attempt(delivery_id: int, worker_id: str) -> bool:
    """Count an attempt and mark the row ``sending`` before WeCom is called (flushes).

    ``sending_started_at`` keeps the start of the first send still possibly in flight.

    :return: False when the claim was lost to another worker.
    """
    return _guarded(
        delivery_id,
        worker_id,
        (QUEUED, SENDING),
        status=SENDING,
        attempts=Delivery.attempts + 1,
        sending_started_at=func.coalesce(
            Delivery.sending_started_at, literal(utcnow(), UTCDateTime())
        ),
    )


def record_sent(delivery_id: int, worker_id: str, wecom_ref: str, result: dict[str, Any]) -> bool:
    """Mark a delivery sent with WeCom's reference (flushes).

    :return: False when the claim was lost to another worker.
    """
    return _guarded(
        delivery_id,
        worker_id,
        (SENDING,),
        status=SENT,
        wecom_ref=wecom_ref[:128],
        result=result,
        sent_at=utcnow(),
        last_error=None,
        claimed_by=None,
        claimed_until=None,
    )


def record_failure(
    delivery_id: int, worker_id: str, error: str, *, retryable: bool, in_flight: bool
) -> str:
    """Record a failed attempt: retry later with backoff and jitter, or dead-letter (flushes).

    :param error: what failed and how to fix it (no message body).
    :param retryable: False dead-letters at once.
    :param in_flight: True when the send may still have reached WeCom; the next attempt then
        looks for evidence before sending again.
    :return: ``retry``, ``dead``, or ``lost`` when the claim was lost.

    A delivery with a deadline (a welcome message: its code lives 20 s) is retried within a
    second, and dead with :data:`WELCOME_CODE_EXPIRED` rather than retried past the deadline
    (unless it may have gone: then one more attempt asks WeCom, which settles it).
    """
    config = current_app.config
    row = db.session.get(Delivery, delivery_id, populate_existing=True)
    if row is None or row.claimed_by != worker_id or row.status != SENDING:
        return "lost"
    values: dict[str, Any] = {"last_error": error[:1000], "claimed_by": None}
    values["claimed_until"] = None
    if not in_flight:
        values["sending_started_at"] = None
    delay = float(config["OUTBOX_RETRY_BACKOFF"]) * 2 ** (row.attempts - 1)
    delay *= random.uniform(0.8, 1.2)  # jitter: a burst of failures does not retry at once
    deadline = send_deadline(row.kind, row.created_at)
    if deadline is not None:
        delay = min(delay, DEADLINE_RETRY_SECONDS * random.uniform(0.8, 1.2))
    retry_at = utcnow() + timedelta(seconds=delay)
    if retryable and deadline is not None and retry_at > deadline and not in_flight:
        retryable, error = False, f"{WELCOME_CODE_EXPIRED} (last attempt: {error})"
        values["last_error"] = error[:1000]
    if not retryable or row.attempts >= int(config["OUTBOX_MAX_ATTEMPTS"]):
        values["status"] = DEAD
        outcome = DEAD
        log.error(
            "delivery %s (%s) dead after %d attempt(s): %s", row.id, row.kind, row.attempts, error
        )
    else:
        values["status"] = SENDING if in_flight else QUEUED
        values["next_attempt_at"] = retry_at
        outcome = RETRY
        log.warning(
            "delivery %s (%s) attempt %d failed, retry in %.0fs: %s",
            row.id,
            row.kind,
            row.attempts,
            delay,
            error,
        )
    _guarded(delivery_id, worker_id, (SENDING,), **values)
    return outcome


def release_claims(worker_id: str) -> int:
    """Give back the rows a stopping worker claimed but did not start (flushes)."""
    return release_other_claims(Delivery, DUE, worker_id)


def recorded_refs(kind: str, since: datetime, *, excluding: int) -> set[str]:
    """WeCom ids already recorded for deliveries of ``kind`` sent since ``since``, so an
    evidence search never claims another delivery's send."""
    rows = db.session.execute(
        select(Delivery.wecom_ref, Delivery.result).where(
            Delivery.kind == kind,
            Delivery.id != excluding,
            Delivery.status == SENT,
            Delivery.sent_at >= since,
        )
    )
    refs: set[str] = set()
    for ref, result in rows:
        refs.add(ref)
        refs.update(str(v) for k, v in (result or {}).items() if k in ("msgid", "moment_id"))
    return refs


def note_moment_id(delivery_id: int, moment_id: str) -> None:
    """Add the moment_id WeCom assigned to a sent moment's result (flushes)."""
    row = db.session.get(Delivery, delivery_id)
    if row is not None and row.status == SENT:
        row.result = {**(row.result or {}), "moment_id": moment_id}
        db.session.flush()


def retry_dead_deliveries(delivery_ids: list[int] | None = None) -> int:
    """Requeue dead deliveries (all, or the given ids) with a fresh set of attempts (flushes).

    A delivery whose last send may have reached WeCom goes back as ``sending``, so the worker
    looks for evidence of that send before sending again — except app messages, which have
    no evidence to look for: requeuing one sends it again.

    :return: how many deliveries were requeued.
    """
    query = update(Delivery).where(Delivery.status == DEAD)
    if delivery_ids is not None:
        query = query.where(Delivery.id.in_(delivery_ids))
    requeued = db.session.execute(
        query.values(
            # An operator who requeues an uncertain app message has decided to send it again.
            status=case(
                (or_(Delivery.sending_started_at.is_(None), Delivery.kind == APP_MESSAGE), QUEUED),
                else_=SENDING,
            ),
            sending_started_at=case(
                (Delivery.kind == APP_MESSAGE, None), else_=Delivery.sending_started_at
            ),
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        ).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return requeued.rowcount


def list_deliveries(status: str | None = None, limit: int = 50) -> list[Delivery]:
    """The newest deliveries, optionally of one status.

    :raise ValueError: for an unknown status.
    """
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        query = query.where(Delivery.status == status)
    return list(db.session.scalars(query))


def count_by_status() -> dict[str, int]:
    """How many deliveries are in each status (every status present, zero when none)."""
    counts = dict(
        db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    )
    return {status: int(counts.get(status, 0)) for status in STATUSES}
