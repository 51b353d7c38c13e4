"""Writing and reading the access audit. There is no update or delete function, on purpose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from scrm.audit.models import EXPORT, READS, SIGN_IN_EVENTS, AccessAudit
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError

REASON_MAX = 500


def record_access(
    staff: Staff,
    action: str,
    what: Mapping[str, Any],
    *,
    result_count: int,
    reason: str | None = None,
) -> AccessAudit:
    """Append one access-audit row and flush; the caller commits with the read it records.

    :param staff: who read the archived content.
    :param action: ``search``, ``view`` or ``export``.
    :param what: the query and filters, or the message ids shown (never message text).
    :param result_count: how many messages the reader got.
    :param reason: why; required for an export, optional otherwise.
    :raise ScrmError: for an unknown action, an export without a reason, or a reason over
        500 characters.
    """
    if action not in READS:
        raise ValueError(f"access action {action!r} is not one of {', '.join(READS)}")
    reason = (reason or "").strip() or None
    if action == EXPORT and reason is None:
        raise ScrmError("an export needs a reason: say why you are exporting this content")
    if reason is not None and len(reason) > REASON_MAX:
        raise ScrmError(f"the reason is {len(reason)} characters; shorten it to {REASON_MAX}")
    row = AccessAudit(
        at=utcnow(),
        staff_id=staff.id,
        staff_userid=staff.userid,
        action=action,
        what=dict(what),
        reason=reason,
        result_count=result_count,
    )
    db.session.add(row)
    db.session.flush()
    return row


def record_sign_in_event(action: str, staff: Staff | None, what: Mapping[str, Any]) -> AccessAudit:
    """Append one local console sign-in event (refused, locked, unlocked) and flush.

    :param action: ``login_failed``, ``account_locked`` or ``account_unlocked``.
    :param staff: the account's member of staff; ``None`` for a username no account has.
    :param what: the username, why, the client address, who unlocked — never a password.
    """
    if action not in SIGN_IN_EVENTS:
        raise ValueError(f"sign-in action {action!r} is not one of {', '.join(SIGN_IN_EVENTS)}")
    row = AccessAudit(
        at=utcnow(),
        staff_id=staff.id if staff else None,
        staff_userid=staff.userid if staff else "",
        action=action,
        what=dict(what),
        result_count=0,
    )
    db.session.add(row)
    db.session.flush()
    return row


def access_records(
    *,
    staff_userid: str | None = None,
    action: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[AccessAudit]:
    """Access-audit rows, newest first, ``limit`` at a time below the id ``before``.

    :param staff_userid: only this reader's rows.
    :param action: only rows of this action (one of :data:`scrm.audit.models.ACTIONS`).
    """
    query = select(AccessAudit).order_by(AccessAudit.id.desc()).limit(limit)
    if staff_userid:
        query = query.where(AccessAudit.staff_userid == staff_userid)
    if action:
        query = query.where(AccessAudit.action == action)
    if before is not None:
        query = query.where(AccessAudit.id < before)
    return list(db.session.scalars(query))


def as_dict(row: AccessAudit) -> dict:
    """One audit row for the JSON API and the CLI."""
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "staff_userid": row.staff_userid,
        "action": row.action,
        "what": row.what,
        "reason": row.reason,
        "result_count": row.result_count,
    }
