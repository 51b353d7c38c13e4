"""JSON shapes of the review API: cases, their archived message, history and proposals."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.review.bulk import allowlist_line
from scrm.compliance.review.models import ACCEPTED, AllowProposal, ReviewCase, ReviewEvent
from scrm.compliance.review.queue import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    QueueFilter,
    officer_branches,
)
from scrm.compliance.review.sla import age_of
from scrm.compliance.scanning.highlight import mark_hits
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.errors import ScrmError
from scrm.payloads import json_object, whole_number


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _staff(staff_id: int | None) -> dict | None:
    staff = db.session.get(Staff, staff_id) if staff_id else None
    return {"userid": staff.userid, "name": staff.name} if staff else None


def _branch(branch_id: int | None) -> dict | None:
    branch = db.session.get(Department, branch_id) if branch_id else None
    return {"id": branch.id, "name": branch.name} if branch else None


def case(row: ReviewCase, message: ArchivedMessage, now: datetime) -> dict:
    """A case as the queue lists it: no message text (opening the case shows it, audited)."""
    return {
        "id": row.id,
        "status": row.status,
        "opened_at": _iso(row.opened_at),
        "categories": row.categories,
        "highest_action": row.highest_action,
        "branch": _branch(row.branch_id),
        "assignee": _staff(row.assignee_id),
        "claimed_at": _iso(row.claimed_at),
        "verdict": row.verdict,
        "verdict_note": row.verdict_note,
        "reviewed_at": _iso(row.reviewed_at),
        "closed_at": _iso(row.closed_at),
        "archived_message_id": row.archived_message_id,
        "sender": message.sender,
        "channel": message.channel,
        "origin": message.origin,
        "terms": sorted({h["term"] for h in message.hits or [] if h.get("kind") == "lexicon"}),
    } | age_of(row, now)


def message(row: ArchivedMessage) -> dict:
    """The archived message with its hits, and its text with the hits marked (HTML)."""
    text_hits = [h for h in row.hits or [] if h.get("field", "text") == "text"]
    return {
        "id": row.id,
        "direction": row.direction,
        "channel": row.channel,
        "origin": row.origin,
        "sender": row.sender,
        "recipients": row.recipients,
        "chat_ids": row.chat_ids,
        "msgtype": row.msgtype,
        "text": row.text,
        "marked_html": mark_hits(row.text, text_hits) if row.text else None,
        "attachments": row.attachments,
        "hits": row.hits,
        "decision": row.decision,
        "outcome": row.outcome,
        "lexicon_version": row.lexicon_version,
        "confirmed_reason": row.confirmed_reason,
        "created_at": _iso(row.created_at),
        "content_hash": row.content_hash,
    }


def event(row: ReviewEvent) -> dict:
    """One history entry."""
    return {
        "id": row.id,
        "action": row.action,
        "from": row.from_status,
        "to": row.to_status,
        "by": _staff(row.actor_id),
        "verdict": row.verdict,
        "note": row.note,
        "at": _iso(row.at),
    }


def proposal(row: AllowProposal) -> dict:
    """An allow-list proposal; accepted ones carry the TSV line for the lexicon maintainer."""
    return {
        "id": row.id,
        "case_id": row.case_id,
        "phrase": row.phrase,
        "suppresses": row.term.split(","),
        "category": row.category,
        "note": row.note,
        "status": row.status,
        "proposed_by": _staff(row.proposed_by_id),
        "proposed_at": _iso(row.proposed_at),
        "decided_by": _staff(row.decided_by_id),
        "decided_at": _iso(row.decided_at),
        "allowlist_line": allowlist_line(row) if row.status == ACCEPTED else None,
    }


def body() -> Mapping[str, Any]:
    """The JSON object of a POST (an empty one when none was sent)."""
    return json_object("send a JSON object as the request body", optional=True)


def queue_filter(args: Mapping[str, str], officer: Staff) -> QueueFilter:
    """The queue filter from a query string: ``status`` (comma list), ``branch`` (ids or
    ``mine``), ``category``, ``action``, ``age``, ``assignee`` (``me``, ``none`` or a userid),
    ``after`` and ``limit``."""
    statuses = tuple(s for s in (args.get("status") or "").split(",") if s)
    branch = args.get("branch") or ""
    branch_ids = None
    if branch == "mine":
        branch_ids = tuple(officer_branches(officer))
    elif branch:
        hint = 'department ids separated by commas, or "mine"'
        branch_ids = tuple(
            whole_number({"branch": part}, "branch", hint=hint) for part in branch.split(",")
        )
    assignee = args.get("assignee") or None
    assignee_id = None
    if assignee == "me":
        assignee_id = officer.id
    elif assignee == "none":
        assignee_id = 0
    elif assignee:
        staff = db.session.scalar(select(Staff).where(Staff.userid == assignee))
        if staff is None:
            raise ScrmError(f'no member of staff "{assignee}"; use a userid, "me" or "none"')
        assignee_id = staff.id
    return QueueFilter(
        statuses=statuses,
        branch_ids=branch_ids,
        category=args.get("category") or None,
        action=args.get("action") or None,
        age_bucket=args.get("age") or None,
        assignee_id=assignee_id,
        after=whole_number(args, "after", hint="the next_after of the previous page"),
        limit=whole_number(args, "limit", default=PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE),
    )
