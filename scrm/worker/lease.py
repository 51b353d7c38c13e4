"""Named leases in the database: how workers agree on one clock leader.

A lease row says who holds a name until when. Taking it is a guarded UPDATE (only when it
expired or is already ours) or, for a name never held, an insert that yields to a concurrent
insert; both decide by row count, so two contenders never both win.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from scrm.db import db, insert_unless_present, utcnow
from scrm.worker.models import WorkerLease

#: The lease whose holder runs the APScheduler clock.
CLOCK_LEASE = "clock"


def acquire_lease(name: str, holder: str, seconds: float) -> bool:
    """Take or renew a lease for ``seconds`` from now (flushes; the caller commits).

    :param name: the lease, e.g. :data:`CLOCK_LEASE`.
    :param holder: the worker asking (its worker id).
    :param seconds: how long the lease lasts unless renewed.
    :return: True when ``holder`` now holds the lease.
    """
    now = utcnow()
    expires_at = now + timedelta(seconds=seconds)
    renewed = db.session.execute(
        update(WorkerLease)
        .where(
            WorkerLease.name == name,
            or_(WorkerLease.expires_at < now, WorkerLease.holder == holder),
        )
        .values(holder=holder, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount == 1:
        return True
    values = {"name": name, "holder": holder, "expires_at": expires_at}
    statement = insert_unless_present(
        WorkerLease.__table__,
        ["name"],
        dialect=db.session.get_bind().dialect.name,
        returning=["name"],  # a row back means this worker inserted it
    )
    return db.session.execute(statement, values).first() is not None


def release_lease(name: str, holder: str) -> bool:
    """Give a lease up so another worker can take it at once (flushes; the caller commits).

    :return: True when ``holder`` held it.
    """
    released = db.session.execute(
        delete(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder)
        .execution_options(synchronize_session=False)
    )
    return released.rowcount == 1


def lease_holder(name: str) -> str | None:
    """Who holds a lease now (``None`` when nobody does or it expired)."""
    lease = db.session.scalars(
        select(WorkerLease).where(WorkerLease.name == name, WorkerLease.expires_at >= utcnow())
    ).one_or_none()
    return lease.holder if lease else None
