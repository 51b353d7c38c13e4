"""The lexicon JSON API under ``/api/lexicon`` (词库管理): the active lexicon, the versions
scrm has seen, the diff of two versions, and a test box that scans any text with the gate's
own scanner (nothing is archived). Permission ``lexicon.read`` throughout.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, request

from scrm.auth import require
from scrm.compliance.decisions import judge
from scrm.compliance.lexicon.active import LexiconError, current_lexicon
from scrm.compliance.lexicon.services import (
    diff_lexicon_versions,
    find_lexicon_version,
    lexicon_content,
    list_lexicon_versions,
    record_lexicon_version,
)
from scrm.compliance.review.payloads import body
from scrm.compliance.scanning.highlight import mark_hits
from scrm.compliance.vocabulary import CHANNELS, InvalidMessage, Lexicon
from scrm.errors import ScrmError
from scrm.payloads import text_field

bp = Blueprint("lexicon_api", __name__, url_prefix="/api/lexicon")


def _active() -> Lexicon:
    """The active lexicon, its version recorded for later diffs (the request commits it)."""
    try:
        lexicon = current_lexicon()
    except LexiconError as error:
        raise ScrmError(
            f"no valid lexicon is loaded: {error.problems[0]} (run `scrm lexicon check`)",
            status_code=503,
        ) from None
    record_lexicon_version(lexicon)
    return lexicon


@bp.get("")
@require("lexicon.read")
def show_lexicon():
    """The active lexicon: terms by category with their action on each channel, the allow
    phrases, and counts."""
    lexicon = _active()
    content = lexicon_content(lexicon)
    categories: dict[str, list[dict]] = {c: [] for c in lexicon.categories}
    for term in content["terms"]:
        categories.setdefault(term["category"], []).append(
            {k: term[k] for k in ("term", "actions", "basis", "note")}
        )
    actions = {c: Counter(t.actions[c] for t in lexicon.terms) for c in CHANNELS}
    return {
        "version": lexicon.version,
        "categories": [{"category": c, "terms": terms} for c, terms in categories.items()],
        "allow": content["allow"],
        "counts": {
            "terms": len(lexicon.terms),
            "allow_phrases": len(lexicon.allow),
            "categories": len(categories),
            "actions": {c: dict(sorted(counts.items())) for c, counts in actions.items()},
        },
    }


@bp.get("/versions")
@require("lexicon.read")
def list_versions():
    """Every lexicon version scrm has recorded, newest first, the active one marked."""
    active = _active().version
    return {
        "active": active,
        "versions": [
            {
                "version": s.version,
                "first_seen_at": s.first_seen_at.isoformat(),
                "terms": s.terms,
                "allow_phrases": s.allow_phrases,
                "active": s.version == active,
            }
            for s in list_lexicon_versions()
        ],
    }


@bp.get("/diff")
@require("lexicon.read")
def diff_versions():
    """``?from=VERSION&to=VERSION`` (sha256 or a unique prefix): terms and allow phrases
    added, removed and changed."""
    old = find_lexicon_version(request.args.get("from"), "from")
    new = find_lexicon_version(request.args.get("to"), "to")
    return diff_lexicon_versions(old, new)


@bp.post("/test")
@require("lexicon.read")
def test_text():
    """``{"text", "channel"}``: the scanner's result with hits, and the text with the hit
    spans marked (HTML-escaped). The same scanner and lexicon as the gate; nothing archived."""
    data = body()
    text = text_field(data, "text")
    channel = text_field(data, "channel") or ""
    if channel not in CHANNELS:
        raise ScrmError(f'"channel" must be one of {", ".join(CHANNELS)}')
    if not text:
        raise ScrmError('send the "text" to test (up to 4,000 bytes)')
    try:
        verdict = judge(text, (), channel, _active())
    except InvalidMessage as error:
        # The box has one field, so the scanner's "text: " prefix only gets in the way.
        raise InvalidMessage(error.message.removeprefix("text: ")) from None
    return {
        "decision": verdict.decision,
        "channel": channel,
        "lexicon_version": verdict.lexicon_version,
        "hits": list(verdict.hits),
        "marked_html": mark_hits(text, verdict.hits),
    }
