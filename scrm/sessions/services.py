"""Opening, checking and ending sign-in sessions. The only writer of ``web_session``.

A session is refused when it is unknown, ended, idle for longer than the idle limit, or older
than the absolute lifetime. Ending a member's sessions is one UPDATE, so every browser they
are signed in with is out at its next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from scrm.db import db, utcnow
from scrm.sessions.models import EXPIRED, IDLE, REASONS, WebSession

#: How stale ``last_seen_at`` may be before a request notes it again (one write a minute per
#: session at most, not one per request).
SEEN_EVERY = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(staff_id: int, *, console_account_id: int | None = None) -> str:
    """Record a new sign-in of ``staff_id`` and flush.

    :param console_account_id: the local console account used, if any.
    :return: the session id for the cookie (random, 256 bits); only its hash is stored.
    """
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        WebSession(
            token_hash=_hash(token),
            staff_id=staff_id,
            console_account_id=console_account_id,
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    return token


def find_session(token: str | None) -> WebSession | None:
    """The session a cookie names (ended or not), or ``None`` for an id never issued."""
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(select(WebSession).where(WebSession.token_hash == _hash(token)))


def session_problem(
    row: WebSession, *, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> str | None:
    """Why ``row`` may not be used now (a reason code), or ``None`` when it may.

    :param idle: the longest quiet spell (``SESSION_IDLE_SECONDS``).
    :param lifetime: the longest life however active (``PERMANENT_SESSION_LIFETIME``).
    """
    now = now or utcnow()
    if row.revoked_at is not None:
        return row.revoked_reason or EXPIRED
    if now - row.created_at > lifetime:
        return EXPIRED
    if now - row.last_seen_at > idle:
        return IDLE
    return None


def note_activity(row: WebSession, *, now: datetime | None = None) -> None:
    """Note that ``row`` was used now, when it was last noted over a minute ago; flush."""
    now = now or utcnow()
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        db.session.flush()


def end_session(row: WebSession, reason: str) -> None:
    """End one session (already ended: it keeps its first reason); flush.

    :param reason: one of :data:`scrm.sessions.models.REASONS`.
    """
    _check_reason(reason)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason
        db.session.flush()


def end_sessions_of(staff_id: int, reason: str) -> int:
    """End every open session of a member of staff at once (all their browsers); flush.

    :param reason: one of :data:`scrm.sessions.models.REASONS`.
    :return: how many sessions were open.
    """
    _check_reason(reason)
    result = db.session.execute(
        update(WebSession)
        .where(WebSession.staff_id == staff_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return result.rowcount


def _check_reason(reason: str) -> None:
    if reason not in REASONS:
        raise ValueError(f"session end reason {reason!r} is not one of {', '.join(REASONS)}")
