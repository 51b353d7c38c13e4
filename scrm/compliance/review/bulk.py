"""Bulk false positives (批量误报) and allow-list proposals (白名单建议).

A bulk request marks many obvious false positives with one note. It only touches cases that
are open or claimed by the caller, reports per case what happened, and is done once per
request key: posting the same key again returns the first answer.

After a false positive, an officer may propose an allow phrase: text that contains the hit
term and is compliant as a whole. Accepting it writes nothing to ``sensitive_words/``; it
produces the TSV line for the lexicon maintainer, who adds it by hand and reviews it like any
other edit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.lexicon.files import MAX_TERM_CHARS, MIN_TERM_CHARS, term_key
from scrm.compliance.review.models import (
    ACCEPTED,
    CLAIMED,
    FALSE_POSITIVE,
    OPEN,
    PROPOSED,
    REJECTED,
    AllowProposal,
    BulkRequest,
    ReviewCase,
)
from scrm.compliance.review.services import ReviewConflict, record_verdict
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError

MAX_BULK_CASES = 500
MAX_KEY_CHARS = 128


def find_bulk_request(officer: Staff, request_key: str) -> BulkRequest | None:
    """The bulk request this officer already made under ``request_key``, if any."""
    return db.session.scalar(
        select(BulkRequest).where(
            BulkRequest.staff_id == officer.id, BulkRequest.request_key == request_key
        )
    )


def mark_false_positives(
    officer: Staff, case_ids: Iterable[int], note: str | None, request_key: str | None
) -> dict:
    """Mark each case false_positive with one note, once per request key (flushes).

    :param case_ids: the cases; only those open or claimed by ``officer`` are marked.
    :param request_key: the caller's key for this request (1–128 characters); the same key
        again returns the first result with ``"replayed": true``.
    :return: ``{"request_key", "marked", "results": [{"case_id", "result", "reason"}]}``.
    :raise ScrmError: no key, no note, no cases, or more than 500.
    """
    key = request_key.strip() if isinstance(request_key, str) else ""
    if not 1 <= len(key) <= MAX_KEY_CHARS:
        raise ScrmError(
            f'"request_key" must be 1 to {MAX_KEY_CHARS} characters: a fresh key (e.g. a UUID) '
            "per bulk action, sent again unchanged when retrying"
        )
    done = find_bulk_request(officer, key)
    if done is not None:
        return done.result | {"replayed": True}
    ids = list(dict.fromkeys(case_ids))
    if not ids or len(ids) > MAX_BULK_CASES or not all(_is_id(i) for i in ids):
        raise ScrmError(f'"case_ids" must list 1 to {MAX_BULK_CASES} case ids (numbers)')
    if not (isinstance(note, str) and note.strip()):
        raise ScrmError('a bulk false positive needs a "note" saying why these are harmless')
    results = [_mark_one(officer, case_id, note) for case_id in ids]
    marked = sum(r["result"] == "marked" for r in results)
    result = {"request_key": key, "marked": marked, "results": results}
    db.session.add(
        BulkRequest(
            staff_id=officer.id,
            request_key=key,
            result=result,
            created_at=utcnow(),
            cases=len(ids),
        )
    )
    db.session.flush()
    return result | {"replayed": False}


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _mark_one(officer: Staff, case_id: int, note: str) -> dict:
    case = db.session.get(ReviewCase, case_id)
    if case is None:
        return {"case_id": case_id, "result": "not_found", "reason": "no such case"}
    mine = case.status == CLAIMED and case.assignee_id == officer.id
    if case.status != OPEN and not mine:
        holder = "another officer" if case.status == CLAIMED else None
        reason = f"claimed by {holder}" if holder else f"already {case.status}"
        return {"case_id": case_id, "result": "skipped", "reason": reason}
    try:
        record_verdict(case, officer, FALSE_POSITIVE, note)
    except ReviewConflict as conflict:  # taken by someone else a moment ago
        return {"case_id": case_id, "result": "skipped", "reason": conflict.message}
    return {"case_id": case_id, "result": "marked", "reason": None}


def propose_allow_phrase(
    case: ReviewCase, officer: Staff, phrase: str | None, note: str | None = None
) -> tuple[AllowProposal, bool]:
    """Propose an allow phrase after a false-positive verdict (flushes). Proposing the same
    phrase for the same case again returns the first proposal.

    :param phrase: compliant text containing at least one lexicon term the message hit.
    :return: the proposal, and True when this call created it.
    :raise ScrmError: the case is not a false positive, or the phrase is empty, too short or
        long, holds tabs or line breaks, or contains none of the hit terms.
    """
    if case.verdict != FALSE_POSITIVE:
        raise ReviewConflict(
            f"case {case.id} has no false_positive verdict; only a false positive can "
            "propose an allow phrase"
        )
    text = " ".join(phrase.split()) if isinstance(phrase, str) else ""
    if not MIN_TERM_CHARS <= len(text) <= MAX_TERM_CHARS:
        raise ScrmError(
            f'"phrase" must be {MIN_TERM_CHARS} to {MAX_TERM_CHARS} characters of the compliant '
            "wording, e.g. 不保本"
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        raise ScrmError('"phrase" contains a control character (tab, line break…); retype it')
    message = db.session.get(ArchivedMessage, case.archived_message_id)
    hit_terms = sorted({h["term"] for h in message.hits or [] if h.get("kind") == "lexicon"})
    inside = [t for t in hit_terms if term_key(t) in term_key(text)]
    if not inside:
        shown = "、".join(hit_terms) or "no lexicon term"
        raise ScrmError(
            f"{text!r} contains none of the terms this message hit ({shown}); an allow phrase "
            "must contain the term it lets through"
        )
    existing = db.session.scalar(
        select(AllowProposal).where(AllowProposal.case_id == case.id, AllowProposal.phrase == text)
    )
    if existing is not None:
        return existing, False
    category = next(h["category"] for h in message.hits if h.get("term") == inside[0])
    proposal = AllowProposal(
        case_id=case.id,
        phrase=text,
        term=",".join(inside)[:100],
        category=str(category)[:64],
        note=(note or "").strip() or None,
        status=PROPOSED,
        proposed_by_id=officer.id,
        proposed_at=utcnow(),
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal, True


def decide_allow_proposal(proposal: AllowProposal, officer: Staff, accept: bool) -> str | None:
    """Accept or reject a proposed allow phrase (flushes). Accepting writes no lexicon file.

    :return: on accept, the TSV line for ``sensitive_words/allowlist/``; else None.
    :raise ReviewConflict: the proposal was decided already.
    """
    if proposal.status != PROPOSED:
        raise ReviewConflict(
            f"allow proposal {proposal.id} is already {proposal.status}; propose it again "
            "from the case if it should be looked at anew"
        )
    proposal.status = ACCEPTED if accept else REJECTED
    proposal.decided_by_id = officer.id
    proposal.decided_at = utcnow()
    db.session.flush()
    return allowlist_line(proposal) if accept else None


def allowlist_line(proposal: AllowProposal) -> str:
    """The line to paste into an ``allowlist/*.tsv`` file: phrase, suppresses, note."""
    note = f"复核案例 #{proposal.case_id} 误报" + (f"：{proposal.note}" if proposal.note else "")
    return "\t".join((proposal.phrase, proposal.term, " ".join(note.split())))


def get_allow_proposal(proposal_id: int) -> AllowProposal:
    """One proposal by id.

    :raise ScrmError: 404 when there is none.
    """
    proposal = db.session.get(AllowProposal, proposal_id)
    if proposal is None:
        raise ScrmError(
            f"no allow proposal {proposal_id}; list them with GET /api/review/allow-proposals",
            status_code=404,
        )
    return proposal
