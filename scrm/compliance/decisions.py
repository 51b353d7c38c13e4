"""One decision for a whole outbound message: its text and the text inside its attachments
(a link's title and description, a mini program's title) are all scanned, and every hit is
explained with the lexicon's category, legal basis and note.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrm.compliance.scanning.scanner import scan
from scrm.compliance.vocabulary import BLOCK, PASS, WARN, InvalidMessage, Lexicon, ScanResult

_RANK = {PASS: 0, WARN: 1, BLOCK: 2}

#: Attachment fields a customer reads, by attachment msgtype.
TEXT_FIELDS = {"link": ("title", "desc"), "miniprogram": ("title",)}


@dataclass(frozen=True)
class Verdict:
    """The gate's view of a message: its decision and the explained hits (JSON-ready)."""

    decision: str
    hits: tuple[dict[str, Any], ...]
    lexicon_version: str


def scanned_fields(
    text: str | None, attachments: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every piece of customer-visible text in a message."""
    if text:
        yield "text", text
    for i, item in enumerate(attachments):
        msgtype = item.get("msgtype")
        section = item.get(msgtype) if isinstance(msgtype, str) else None
        if not isinstance(section, Mapping):
            continue
        for name in TEXT_FIELDS.get(msgtype, ()):
            value = section.get(name)
            if isinstance(value, str) and value.strip():
                yield f"attachments[{i}].{msgtype}.{name}", value


def judge(
    text: str | None,
    attachments: Sequence[Mapping[str, Any]],
    channel: str,
    lexicon: Lexicon,
) -> Verdict:
    """Scan every customer-visible text of a message and combine the results.

    :raise InvalidMessage: when the scanner refuses one of the texts; the message names it.
    """
    terms = {t.term: t for t in lexicon.terms}
    decision, hits = PASS, []
    for where, value in scanned_fields(text, attachments):
        try:
            result: ScanResult = scan(value, channel, lexicon)
        except InvalidMessage as exc:
            raise InvalidMessage(f"{where}: {exc}") from None
        if _RANK[result.decision] > _RANK[decision]:
            decision = result.decision
        for hit in result.hits:
            term = terms.get(hit.term) if hit.kind == "lexicon" else None
            hits.append(
                {
                    **hit.as_dict(),
                    "field": where,
                    "basis": term.basis if term else None,
                    "note": term.note if term else None,
                }
            )
    return Verdict(decision, tuple(hits), lexicon.version)


def explain_hits(hits: Sequence[Mapping[str, Any]]) -> str:
    """The gate's hits in words: the exact text, category, action and legal basis of each."""
    parts = []
    for hit in hits:
        if hit.get("action") not in ("block", "warn"):
            continue
        basis = f", basis: {hit['basis']}" if hit.get("basis") else ""
        parts.append(
            f'"{hit.get("matched")}" ({hit.get("category")}, {hit.get("action")}{basis}) '
            f"in {hit.get('field', 'text')}"
        )
    return "; ".join(parts) or "no explained hit"
