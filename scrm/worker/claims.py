"""Row claims: how several workers drain one durable queue (the inbox, the outbox) safely.

A row is due when its status says so, its ``next_attempt_at`` has passed and nobody holds an
unexpired claim on it. PostgreSQL skips rows another worker has locked (``FOR UPDATE SKIP
LOCKED``); on every database the claim itself is a guarded UPDATE that repeats the due test,
so a row goes to exactly one worker, and a worker that dies frees its rows when the claim
expires.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from scrm.db import db, utcnow


def due(model, status: ColumnElement[bool], now) -> ColumnElement[bool]:
    """The due test for a queue table: ``status`` holds, the attempt time has come, and no
    unexpired claim is on the row."""
    unclaimed = or_(model.claimed_until.is_(None), model.claimed_until < now)
    return and_(status, model.next_attempt_at <= now, unclaimed)


def claim_due_rows(model, status: ColumnElement[bool], worker_id: str, limit: int, seconds: float):
    """Claim up to ``limit`` due rows of ``model`` for ``worker_id``; commits, so other workers
    see the claim at once.

    :param model: a queue model with ``id``, ``next_attempt_at``, ``claimed_by`` and
        ``claimed_until`` columns.
    :param status: which statuses are due, e.g. ``InboundEvent.status == RECEIVED``.
    :param seconds: how long the claim keeps other workers off the rows.
    :return: the claimed rows, oldest first.
    """
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    order = (model.next_attempt_at, model.id)
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
    return list(
        db.session.scalars(
            select(model)
            .where(model.id.in_(ids), model.claimed_by == worker_id, model.claimed_until == until)
            .order_by(*order)
            .execution_options(populate_existing=True)
        )
    )
