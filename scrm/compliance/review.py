"""Review cases (复核): the compliance officer's queue of archived messages with any hit that
blocks, warns or flags, or that the scanner could not align to word boundaries. A case points
at its archived message; the archive row itself never changes.

Only the opening step lives here for now (claim, close, escalate come with the console).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from scrm.archive.models import ArchivedMessage
from scrm.compliance.model import BLOCK, FLAG, SEVERITY, WARN
from scrm.compliance.review_models import OPEN, ReviewCase
from scrm.db import db, utcnow

#: Hit actions that open a case: a flag lets the message go but still asks for a look.
CASE_ACTIONS = (BLOCK, WARN, FLAG)


def case_worthy_hits(hits: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The archived hits that call for a person: any block, warn or flag on the message's
    channel, and any hit the scanner downgraded because it is not on word boundaries."""
    return [h for h in hits if h.get("action") in CASE_ACTIONS or h.get("aligned") is False]


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
    )
    db.session.add(case)
    db.session.flush()
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
