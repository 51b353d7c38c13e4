"""Row claims: how several workers drain one durable queue (the inbox, the outbox) safely, and
how a dead worker's rows come free within seconds.

A row is due when its status says so, its ``next_attempt_at`` has passed and nobody holds an
unexpired claim on it. Claims take time-critical rows first (``priority``, see
:mod:`scrm.worker.models`), then the oldest. PostgreSQL skips rows another worker has locked
(``FOR UPDATE SKIP LOCKED``); on every database the claim itself is a guarded UPDATE that
repeats the due test, so a row goes to exactly one worker.

Claims are short (``INBOX_CLAIM_SECONDS``, ``OUTBOX_CLAIM_SECONDS``: seconds, not minutes), so
a worker that dies frees its rows quickly. A live worker keeps the row it is working on:

- :func:`take_claim` before it starts a row: the claim is still its own (or the row is free
  and due again) and runs a full length from now; otherwise another worker has the row;
- :func:`working_on` while it works: a heartbeat thread extends the claim every third of its
  length, however long the work takes (a WeCom call may wait out timeouts and retries);
- a row that is slow gives the rest of its batch back at the first heartbeat, so rows claimed
  together but not started do not wait behind it (a welcome code lives 20 s); the worker takes
  them again with :func:`take_claim` if nobody else has by then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from scrm import fault_injection
from scrm.db import db, utcnow

log = logging.getLogger(__name__)


def _unclaimed(model, now) -> ColumnElement[bool]:
    return or_(model.claimed_until.is_(None), model.claimed_until < now)


def due(model, status: ColumnElement[bool], now) -> ColumnElement[bool]:
    """The due test for a queue table: ``status`` holds, the attempt time has come, and no
    unexpired claim is on the row."""
    return and_(status, model.next_attempt_at <= now, _unclaimed(model, now))


def claim_due_rows(model, status: ColumnElement[bool], worker_id: str, limit: int, seconds: float):
    """Claim up to ``limit`` due rows of ``model`` for ``worker_id``; commits, so other workers
    see the claim at once.

    :param model: a queue model with ``id``, ``priority``, ``next_attempt_at``, ``claimed_by``
        and ``claimed_until`` columns.
    :param status: which statuses are due, e.g. ``InboundEvent.status == RECEIVED``.
    :param seconds: how long the claim keeps other workers off the rows unless renewed.
    :return: the claimed rows, time-critical first, then oldest first.
    """
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    order = (model.priority, model.next_attempt_at, model.id)
    candidates = select(model.id).where(due(model, status, now)).order_by(*order).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        db.session.commit()  # commit in steps: end the read transaction; nothing to claim
        return []
    taken = db.session.execute(
        update(model)
        .where(model.id.in_(ids), due(model, status, now))
        .values(claimed_by=worker_id, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # commit in steps: other workers must see the claim at once
    if taken.rowcount == 0:
        return []
    rows = list(
        db.session.scalars(
            select(model)
            .where(model.id.in_(ids), model.claimed_by == worker_id, model.claimed_until == until)
            .order_by(*order)
            .execution_options(populate_existing=True)
        )
    )
    # The crash tests end a worker here: it holds rows and has started none of them.
    fault_injection.reached(
        fault_injection.ROWS_CLAIMED, table=model.__tablename__, ids=[row.id for row in rows]
    )
    return rows


def take_claim(
    model, status: ColumnElement[bool], row_id: int, worker_id: str, seconds: float
) -> bool:
    """Before starting a claimed row: make sure it is still this worker's, for ``seconds``
    from now; commits, so other workers see it.

    The claim is this worker's when it still names it (expired or not: nobody took it over),
    or when the row was given back and is due again.

    :return: False when another worker holds the row, or it is no longer in ``status``.
    """
    now = utcnow()
    taken = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            status,
            or_(
                model.claimed_by == worker_id,
                and_(model.next_attempt_at <= now, _unclaimed(model, now)),
            ),
        )
        .values(claimed_by=worker_id, claimed_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # commit in steps: the row is ours from now, and others see it
    return taken.rowcount == 1


def extend_claim(model, row_id: int, worker_id: str, seconds: float) -> bool:
    """Extend this worker's claim on one row to ``seconds`` from now (flushes).

    :return: False when the claim is gone: the row was finished, or another worker has it.
    """
    extended = db.session.execute(
        update(model)
        .where(model.id == row_id, model.claimed_by == worker_id)
        .values(claimed_until=utcnow() + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return extended.rowcount == 1


def release_other_claims(
    model, status: ColumnElement[bool], worker_id: str, *, keep: int | None = None
) -> int:
    """Give back this worker's claims on rows in ``status`` it has not started (flushes).

    :param keep: the row the worker is working on, which it keeps.
    :return: how many rows were given back.
    """
    query = update(model).where(model.claimed_by == worker_id, status)
    if keep is not None:
        query = query.where(model.id != keep)
    released = db.session.execute(
        query.values(claimed_by=None, claimed_until=None).execution_options(
            synchronize_session=False
        )
    )
    db.session.flush()
    return released.rowcount


class _Heartbeat(threading.Thread):
    """Extends one row's claim every third of its length until stopped or the claim is gone."""

    def __init__(
        self, app: Flask, model, status: ColumnElement[bool], row_id: int, worker_id: str, seconds
    ):
        super().__init__(name=f"scrm-claim-{model.__tablename__}-{row_id}", daemon=True)
        self.app, self.model, self.status = app, model, status
        self.row_id, self.worker_id, self.seconds = row_id, worker_id, float(seconds)
        self.done = threading.Event()

    def run(self) -> None:
        first = True
        while not self.done.wait(self.seconds / 3):
            with self.app.app_context():
                try:
                    if first:
                        # This row is slow: rows claimed with it must not wait behind it.
                        release_other_claims(
                            self.model, self.status, self.worker_id, keep=self.row_id
                        )
                    held = extend_claim(self.model, self.row_id, self.worker_id, self.seconds)
                    db.session.commit()  # commit in steps: the claim is visible as renewed
                except Exception as exc:  # e.g. the database is busy: try again next beat
                    db.session.rollback()
                    log.warning(
                        "%s %s: could not renew the claim (%s); retrying",
                        self.model.__tablename__,
                        self.row_id,
                        type(exc).__name__,
                    )
                    continue
            first = False
            if not held:
                return

    def stop(self) -> None:
        self.done.set()
        self.join(self.seconds)


@contextmanager
def working_on(
    model, status: ColumnElement[bool], row_id: int, worker_id: str, seconds: float
) -> Iterator[None]:
    """Keep this worker's claim on a row alive while the block runs (a heartbeat thread);
    needs an app context.

    :param status: the row's due statuses; also which of the worker's other claimed rows a
        slow row gives back.
    :param seconds: the claim's length; it is renewed every third of it.
    """
    beat = _Heartbeat(current_app._get_current_object(), model, status, row_id, worker_id, seconds)
    beat.start()
    try:
        yield
    finally:
        beat.stop()
