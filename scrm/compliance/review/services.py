"""Working a review case (复核流程): claim, release, verdict, escalate, close, reopen and
comment.

A case moves by the transitions in :data:`TRANSITIONS`. Each one is a conditional UPDATE on
the status and holder the officer saw, so two officers acting at once cannot both win, and
each appends one :class:`ReviewEvent` (who, when, from, to, note). Write functions flush and
leave the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from scrm.compliance.review.cases import record_review_event
from scrm.compliance.review.models import (
    CLAIMED,
    CLOSED,
    ESCALATED,
    OPEN,
    REVIEWED,
    VERDICTS,
    VIOLATION,
    ReviewCase,
    ReviewEvent,
)
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import Conflict, ScrmError

#: action → (the statuses it may start from, the status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({OPEN}), CLAIMED),
    "release": (frozenset({CLAIMED}), OPEN),
    "verdict": (frozenset({OPEN, CLAIMED}), REVIEWED),
    "escalate": (frozenset({CLAIMED, REVIEWED}), ESCALATED),
    "close": (frozenset({REVIEWED, ESCALATED}), CLOSED),
    "reopen": (frozenset({REVIEWED, CLOSED}), OPEN),
}
MAX_NOTE_CHARS = 2000


class ReviewConflict(Conflict):
    """The case is not in a state that allows the action, or someone else holds it."""


def claim_review_case(case: ReviewCase, officer: Staff) -> bool:
    """Take an open case (认领). Claiming a case you already hold changes nothing.

    :return: True when this call claimed it, False when the officer held it already.
    :raise ReviewConflict: someone else holds it (named), or it is past claiming.
    """
    if case.status == CLAIMED and case.assignee_id == officer.id:
        return False
    now = utcnow()
    _transition(case, officer, "claim", assignee_id=officer.id, claimed_at=now, at=now)
    return True


def release_review_case(case: ReviewCase, officer: Staff, note: str | None = None) -> None:
    """Give a claimed case back to the queue (释放); only its holder may.

    :raise ReviewConflict: the case is not claimed, or another officer holds it.
    """
    _must_hold(case, officer, "release")
    _transition(case, officer, "release", note=_note(note), assignee_id=None, claimed_at=None)


def record_verdict(case: ReviewCase, officer: Staff, verdict: str, note: str | None) -> None:
    """Decide an open case or one you hold: violation (note required), false_positive or
    needs_follow_up.

    :raise ScrmError: an unknown verdict, or a violation without a note.
    :raise ReviewConflict: another officer holds it, or it was decided already.
    """
    if verdict not in VERDICTS:
        raise ScrmError(f'verdict must be one of {", ".join(VERDICTS)}, not "{verdict}"')
    note = _note(note, required=verdict == VIOLATION, why=f"a {verdict} verdict")
    if case.status == CLAIMED:
        _must_hold(case, officer, "verdict")
    now = utcnow()
    _transition(
        case,
        officer,
        "verdict",
        note=note,
        verdict=verdict,
        values={
            "verdict": verdict,
            "verdict_note": note,
            "reviewed_at": now,
            "assignee_id": officer.id,
        },
        at=now,
    )


def escalate_review_case(case: ReviewCase, officer: Staff, note: str | None) -> None:
    """Hand a case up (上报) with a note saying why: from a claim you hold, or once reviewed.

    :raise ScrmError: no note.
    :raise ReviewConflict: another officer holds it, or it is not claimed or reviewed.
    """
    note = _note(note, required=True, why="an escalation")
    if case.status == CLAIMED:
        _must_hold(case, officer, "escalate")
    _transition(case, officer, "escalate", note=note)


def close_review_case(case: ReviewCase, officer: Staff, note: str | None = None) -> None:
    """Close a reviewed or escalated case (结案).

    :raise ReviewConflict: the case has no verdict or escalation yet, or is closed.
    """
    now = utcnow()
    _transition(case, officer, "close", note=_note(note), closed_at=now, at=now)


def reopen_review_case(case: ReviewCase, officer: Staff, note: str | None) -> None:
    """Put a reviewed or closed case back in the queue (重新打开), with a note saying why.
    The earlier verdict stays in the history; the case itself starts afresh.

    :raise ScrmError: no note.
    :raise ReviewConflict: the case is not reviewed or closed.
    """
    note = _note(note, required=True, why="reopening a case")
    _transition(
        case,
        officer,
        "reopen",
        note=note,
        values={
            "assignee_id": None,
            "claimed_at": None,
            "verdict": None,
            "verdict_note": None,
            "reviewed_at": None,
            "closed_at": None,
        },
    )


def comment_on_review_case(case: ReviewCase, officer: Staff, note: str | None) -> ReviewEvent:
    """Add a comment to the case's history; the status does not change.

    :raise ScrmError: an empty comment.
    """
    _must_be_officer(officer)
    return record_review_event(
        case, "comment", officer, _note(note, required=True, why="a comment")
    )


def case_history(case: ReviewCase) -> list[ReviewEvent]:
    """Every event of a case, oldest first."""
    return list(
        db.session.scalars(
            select(ReviewEvent).where(ReviewEvent.case_id == case.id).order_by(ReviewEvent.id)
        )
    )


def _note(note: str | None, *, required: bool = False, why: str = "") -> str | None:
    text = note.strip() if isinstance(note, str) else None
    if required and not text:
        raise ScrmError(f'{why} needs a note: send "note" saying why')
    if text and len(text) > MAX_NOTE_CHARS:
        raise ScrmError(f"the note is {len(text)} characters, at most {MAX_NOTE_CHARS}; shorten it")
    return text or None


def _must_be_officer(officer: Staff) -> None:
    from scrm.auth import may  # late: auth imports half the app

    if not may(officer, "review.act"):
        raise ScrmError(
            f"{officer.userid} is not a compliance officer; only the compliance role works "
            "review cases (ask an admin to grant it)",
            status_code=403,
        )


def _holder_name(case: ReviewCase) -> str:
    holder = db.session.get(Staff, case.assignee_id) if case.assignee_id else None
    return f"{holder.name} ({holder.userid})" if holder else "nobody"


def _must_hold(case: ReviewCase, officer: Staff, action: str) -> None:
    if case.status == CLAIMED and case.assignee_id != officer.id:
        raise ReviewConflict(
            f"case {case.id} is claimed by {_holder_name(case)}; only they can {action} it, "
            "or ask them to release it"
        )


def _refusal(case: ReviewCase, action: str) -> ReviewConflict:
    allowed, _ = TRANSITIONS[action]
    if case.status == CLAIMED and action == "claim":
        return ReviewConflict(
            f"case {case.id} is already claimed by {_holder_name(case)}; pick another case or "
            "ask them to release it"
        )
    fixes = {
        REVIEWED: "close it, escalate it, or reopen it to review again",
        CLOSED: "reopen it (with a note) first",
        ESCALATED: "close it once the escalation is settled",
        OPEN: "claim it or give a verdict first",
        CLAIMED: "give a verdict first",
    }
    return ReviewConflict(
        f"case {case.id} is {case.status}; {action} needs a case that is "
        f"{' or '.join(sorted(allowed))}: {fixes[case.status]}"
    )


def _transition(
    case: ReviewCase,
    officer: Staff,
    action: str,
    *,
    note: str | None = None,
    verdict: str | None = None,
    values: Mapping[str, Any] | None = None,
    at: datetime | None = None,
    **more: Any,
) -> ReviewEvent:
    allowed, target = TRANSITIONS[action]
    _must_be_officer(officer)
    if case.status not in allowed:
        raise _refusal(case, action)
    seen_status, seen_holder = case.status, case.assignee_id
    holder_then = (
        ReviewCase.assignee_id.is_(None)
        if seen_holder is None
        else ReviewCase.assignee_id == seen_holder
    )
    # Conditional on what the officer saw: a racing officer's UPDATE matches no row.
    changed = db.session.execute(
        update(ReviewCase)
        .where(ReviewCase.id == case.id, ReviewCase.status == seen_status, holder_then)
        .values(status=target, **dict(values or {}), **more)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(case)
    if changed != 1:
        raise (
            _refusal(case, action)
            if case.status not in allowed
            else ReviewConflict(
                f"case {case.id} changed while you were working on it; reload it and try again"
            )
        )
    return record_review_event(
        case, action, officer, note, verdict=verdict, from_status=seen_status, at=at
    )
