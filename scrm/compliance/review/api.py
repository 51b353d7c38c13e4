"""The review JSON API under ``/api/review/`` (合规复核): the queue, one case with its archived
message and history, the transitions, comments, bulk false positives, allow-list proposals
and SLA ageing. Compliance officers only (``review.read`` / ``review.act``).

Handlers never commit: the request commits once it answered, and rolls back on an error
(:mod:`scrm.db`). Opening a case shows archived content, so it writes an access-audit row.
"""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scrm.archive.chain.models import ArchivedMessage
from scrm.audit.models import VIEW
from scrm.audit.services import record_access
from scrm.auth import current_staff, require
from scrm.compliance.review import payloads
from scrm.compliance.review import services as flow
from scrm.compliance.review.bulk import (
    decide_allow_proposal,
    find_bulk_request,
    get_allow_proposal,
    mark_false_positives,
    propose_allow_phrase,
)
from scrm.compliance.review.cases import get_review_case
from scrm.compliance.review.models import ACCEPTED, PROPOSED, REJECTED, AllowProposal
from scrm.compliance.review.queue import list_review_cases, officer_branches
from scrm.compliance.review.sla import sla_summary
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.payloads import text_field

bp = Blueprint("review_api", __name__, url_prefix="/api/review")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/cases", list_cases),
        ("GET", "/cases/<int:case_id>", show_case),
        ("POST", "/cases/<int:case_id>/claim", claim_case),
        ("POST", "/cases/<int:case_id>/release", release_case),
        ("POST", "/cases/<int:case_id>/verdict", give_verdict),
        ("POST", "/cases/<int:case_id>/escalate", escalate_case),
        ("POST", "/cases/<int:case_id>/close", close_case),
        ("POST", "/cases/<int:case_id>/reopen", reopen_case),
        ("POST", "/cases/<int:case_id>/comments", comment_case),
        ("POST", "/cases/<int:case_id>/allow-proposal", propose_allow),
        ("POST", "/cases/bulk-false-positive", bulk_false_positive),
        ("GET", "/allow-proposals", list_proposals),
        ("POST", "/allow-proposals/<int:proposal_id>/accept", accept_proposal),
        ("POST", "/allow-proposals/<int:proposal_id>/reject", reject_proposal),
        ("GET", "/sla", show_sla),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("review.read")
def list_cases():
    """A page of the queue; see :func:`review_payloads.queue_filter` for the filters."""
    now = utcnow()
    wanted = payloads.queue_filter(request.args, current_staff())
    rows, after = list_review_cases(wanted, now)
    return {"cases": [payloads.case(c, m, now) for c, m in rows], "next_after": after}


@require("review.read")
def show_case(case_id: int):
    """The case, its archived message with the hits marked, its history and proposals."""
    case = get_review_case(case_id)
    message = db.session.get(ArchivedMessage, case.archived_message_id)
    _audit_view(current_staff(), message, case.id)
    proposals = db.session.scalars(
        select(AllowProposal).where(AllowProposal.case_id == case.id).order_by(AllowProposal.id)
    )
    body = payloads.case(case, message, utcnow()) | {
        "message": payloads.message(message),
        "history": [payloads.event(e) for e in flow.case_history(case)],
        "allow_proposals": [payloads.proposal(p) for p in proposals],
    }
    return body


def _audit_view(staff: Staff, message: ArchivedMessage, case_id: int) -> None:
    """The one place a review screen records that archived content was shown (flushes an
    append-only ``access_audit`` row through :func:`scrm.audit.services.record_access`)."""
    record_access(
        staff,
        VIEW,
        {"message_ids": [message.id], "review_case_id": case_id},
        result_count=1,
        reason="review case",
    )


def _act(case_id: int, move) -> dict:
    case = get_review_case(case_id)
    data = payloads.body()
    move(case, current_staff(), data)
    return {"case": payloads.case(case, _message(case), utcnow())}


def _message(case) -> ArchivedMessage:
    return db.session.get(ArchivedMessage, case.archived_message_id)


@require("review.act")
def claim_case(case_id: int):
    """Claim an open case; 409 names the officer who holds it when someone else does."""
    return _act(case_id, lambda case, me, data: flow.claim_review_case(case, me))


@require("review.act")
def release_case(case_id: int):
    """Give a case you hold back to the queue."""
    return _act(
        case_id,
        lambda case, me, data: flow.release_review_case(case, me, text_field(data, "note")),
    )


@require("review.act")
def give_verdict(case_id: int):
    """``{"verdict": "violation"|"false_positive"|"needs_follow_up", "note"}``; a violation
    needs a note."""

    def move(case, me, data):
        verdict = text_field(data, "verdict")
        flow.record_verdict(case, me, verdict or "", text_field(data, "note"))

    return _act(case_id, move)


@require("review.act")
def escalate_case(case_id: int):
    """Escalate with ``{"note"}`` (required)."""
    return _act(
        case_id,
        lambda case, me, data: flow.escalate_review_case(case, me, text_field(data, "note")),
    )


@require("review.act")
def close_case(case_id: int):
    """Close a reviewed or escalated case; ``{"note"}`` optional."""
    return _act(
        case_id,
        lambda case, me, data: flow.close_review_case(case, me, text_field(data, "note")),
    )


@require("review.act")
def reopen_case(case_id: int):
    """Reopen a reviewed or closed case with ``{"note"}`` (required)."""
    return _act(
        case_id,
        lambda case, me, data: flow.reopen_review_case(case, me, text_field(data, "note")),
    )


@require("review.act")
def comment_case(case_id: int):
    """Add ``{"note"}`` to the case's history."""
    case = get_review_case(case_id)
    note = text_field(payloads.body(), "note")
    event = flow.comment_on_review_case(case, current_staff(), note)
    return {"comment": payloads.event(event)}, 201


@require("review.act")
def bulk_false_positive():
    """``{"case_ids": [...], "note", "request_key"}``: mark each open case (or one you hold)
    false_positive; reports per case; the same request_key again replays the first answer."""
    data = payloads.body()
    me = current_staff()
    ids = data.get("case_ids")
    if not isinstance(ids, list):
        raise ScrmError('"case_ids" must be a list of case ids')
    key = text_field(data, "request_key")
    try:
        result = mark_false_positives(me, ids, text_field(data, "note"), key)
    except IntegrityError:  # the same key posted twice at the same moment: the first won
        db.session.rollback()
        done = find_bulk_request(me, (key or "").strip())
        if done is None:
            raise
        result = done.result | {"replayed": True}
    return result


@require("review.act")
def propose_allow(case_id: int):
    """``{"phrase", "note"}`` after a false positive; the phrase must contain a hit term."""
    case = get_review_case(case_id)
    data = payloads.body()
    proposal, created = propose_allow_phrase(
        case,
        current_staff(),
        text_field(data, "phrase"),
        text_field(data, "note"),
    )
    return {"allow_proposal": payloads.proposal(proposal)}, (201 if created else 200)


@require("review.read")
def list_proposals():
    """Allow-list proposals, newest first; ``?status=proposed|accepted|rejected``."""
    query = select(AllowProposal).order_by(AllowProposal.id.desc()).limit(500)
    if status := request.args.get("status"):
        if status not in (PROPOSED, ACCEPTED, REJECTED):
            raise ScrmError('"status" must be proposed, accepted or rejected')
        query = query.where(AllowProposal.status == status)
    return {"allow_proposals": [payloads.proposal(p) for p in db.session.scalars(query)]}


def _decide(proposal_id: int, accept: bool):
    proposal = get_allow_proposal(proposal_id)
    line = decide_allow_proposal(proposal, current_staff(), accept)
    return {"allow_proposal": payloads.proposal(proposal), "allowlist_line": line}


@require("review.act")
def accept_proposal(proposal_id: int):
    """Accept: nothing is written to the lexicon; the answer holds the TSV line to add."""
    return _decide(proposal_id, True)


@require("review.act")
def reject_proposal(proposal_id: int):
    """Reject a proposed allow phrase."""
    return _decide(proposal_id, False)


@require("review.read")
def show_sla():
    """Waiting cases per age bucket and overdue; ``?branch=mine`` for the officer's
    branches."""
    branches = officer_branches(current_staff()) if request.args.get("branch") == "mine" else None
    return sla_summary(utcnow(), branches)


_rules()
