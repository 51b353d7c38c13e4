"""Review cases (复核): the compliance officer's queue of archived messages with any hit that
blocks, warns or flags, or that the scanner could not align to word boundaries. A case points
at its archived message; the archive row itself never changes.

This module opens cases and finds them; :mod:`scrm.compliance.review.services` moves them
(claim, verdict, escalate, close, reopen) and :mod:`scrm.compliance.review.queue` lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.review.models import OPEN, ReviewCase, ReviewEvent
from scrm.compliance.vocabulary import BLOCK, FLAG, SEVERITY, WARN
from scrm.db import db, utcnow
from scrm.directory.models import Department, Staff
from scrm.errors import ScrmError

#: Hit actions that open a case: a flag lets the message go but still asks for a look.
CASE_ACTIONS = (BLOCK, WARN, FLAG)


def case_worthy_hits(hits: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The archived hits that call for a person: any block, warn or flag on the message's
    channel, and any hit the scanner downgraded because it is not on word boundaries."""
    return [h for h in hits if h.get("action") in CASE_ACTIONS or h.get("aligned") is False]


def branch_of(userid: str | None) -> int | None:
    """The branch (分行: the level-2 department) of a member of staff, or None when unknown
    or when they sit at head office."""
    staff = db.session.scalar(select(Staff).where(Staff.userid == userid)) if userid else None
    node = (
        db.session.get(Department, staff.department_id) if staff and staff.department_id else None
    )
    path = []
    while node is not None and len(path) < 32:  # 32: a guard against a cycle in bad data
        path.append(node.id)
        node = db.session.get(Department, node.parent_id) if node.parent_id else None
    return path[-2] if len(path) >= 2 else None


def open_review_case(message: ArchivedMessage) -> ReviewCase | None:
    """Open the review case of an archived message when any hit calls for one (flushes).
    The case is judged on the hits the archive recorded, nothing else.

    One case per message: opening again returns the case already open.

    :param message: the archived message (already flushed, so it has its id).
    :return: the case, or ``None`` when no hit calls for one.
    """
    worthy = case_worthy_hits(message.hits or [])
    if not worthy:
        return None
    existing = find_review_case(message.id)
    if existing is not None:
        return existing
    case = ReviewCase(
        archived_message_id=message.id,
        status=OPEN,
        opened_at=utcnow(),
        categories=sorted({str(h.get("category")) for h in worthy}),
        highest_action=max((h["action"] for h in worthy), key=SEVERITY.__getitem__),
        branch_id=branch_of(message.sender),
    )
    db.session.add(case)
    db.session.flush()
    record_review_event(case, "open", None, None, at=case.opened_at)
    return case


def find_review_case(archived_message_id: int) -> ReviewCase | None:
    """The case of one archived message, if it has one."""
    return db.session.scalars(
        select(ReviewCase).where(ReviewCase.archived_message_id == archived_message_id)
    ).first()


def list_open_cases(limit: int = 100) -> list[tuple[ReviewCase, ArchivedMessage]]:
    """Open cases with their messages, most severe first, then oldest first."""
    rows = db.session.execute(
        select(ReviewCase, ArchivedMessage)
        .join(ArchivedMessage, ArchivedMessage.id == ReviewCase.archived_message_id)
        .where(ReviewCase.status == OPEN)
        .order_by(ReviewCase.opened_at, ReviewCase.id)
        .limit(limit)
    ).all()
    ordered = sorted(rows, key=lambda r: -SEVERITY[r[0].highest_action])
    return [(case, message) for case, message in ordered]


def get_review_case(case_id: int) -> ReviewCase:
    """One case by id.

    :raise ScrmError: 404 when there is no such case.
    """
    case = db.session.get(ReviewCase, case_id)
    if case is None:
        raise ScrmError(
            f"no review case {case_id}; list them with GET /api/review/cases", status_code=404
        )
    return case


def record_review_event(
    case: ReviewCase,
    action: str,
    officer: Staff | None,
    note: str | None,
    *,
    verdict: str | None = None,
    from_status: str | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    """Append one event to a case's history (flushes); events are never changed.

    :param officer: who acted; ``None`` for the system (the gate opening a case).
    """
    event = ReviewEvent(
        case_id=case.id,
        action=action,
        from_status=from_status if action != "comment" else case.status,
        to_status=case.status,
        actor_id=officer.id if officer else None,
        verdict=verdict,
        note=note,
        at=at or utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    return event
