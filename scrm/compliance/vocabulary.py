"""The compliance vocabulary shared by the lexicon loader, the scanner and the gate.

Plain frozen dataclasses, no I/O: the scanner is a pure function of (text, channel, lexicon).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scrm.errors import ScrmError

#: Where a message goes: a 1v1 chat, a customer group, or the customers' moments feed.
CHANNELS = ("single", "group", "moments")

BLOCK = "block"  # refuse to send (and a WeCom intercept rule)
WARN = "warn"  # the sender sees why and must confirm with a reason
FLAG = "flag"  # sent; queued for review after the fact
ACTIONS = (BLOCK, WARN, FLAG)
#: Severity order used to combine actions: block > warn > flag.
SEVERITY = {FLAG: 1, WARN: 2, BLOCK: 3}

PASS = "pass"
DECISIONS = (BLOCK, WARN, PASS)


@dataclass(frozen=True)
class Term:
    """A lexicon term with its action on each channel."""

    term: str
    category: str
    actions: dict[str, str]  # channel → block | warn | flag
    basis: str | None = None  # legal basis keys, e.g. "ZGXG;PBOC5"
    note: str | None = None
    source: str = ""  # "file.tsv:12", for messages that name where a term came from

    def action(self, channel: str) -> str:
        return self.actions[channel]


@dataclass(frozen=True)
class AllowPhrase:
    """A compliant phrase containing a term (不保本); hits inside its span are dropped."""

    phrase: str
    suppresses: tuple[str, ...]  # the terms it may suppress
    note: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Lexicon:
    """One loaded, validated lexicon. ``version`` is the sha256 of its canonical content."""

    version: str
    terms: tuple[Term, ...]
    allow: tuple[AllowPhrase, ...]
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One finding in a message; ``start``/``end`` index the ORIGINAL text."""

    kind: str  # "lexicon" | "pii"
    category: str
    term: str  # the lexicon term, or the PII kind ("resident_id", "bank_card", "mobile")
    action: str  # the action on the scanned channel, after any downgrade
    start: int
    end: int
    matched: str  # text[start:end], the exact original substring
    aligned: bool = True  # falls on jieba word boundaries (always True for PII)
    confidence: float = 1.0  # PII: e.g. a card number failing Luhn has lower confidence

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "category": self.category,
            "term": self.term,
            "action": self.action,
            "start": self.start,
            "end": self.end,
            "matched": self.matched,
            "aligned": self.aligned,
        }


@dataclass(frozen=True)
class ScanResult:
    """The scanner's verdict on one message for one channel."""

    decision: str  # block | warn | pass
    channel: str
    lexicon_version: str
    hits: tuple[Hit, ...] = field(default_factory=tuple)

    @property
    def needs_review(self) -> bool:
        """True when any hit is left for a compliance officer (flags and downgraded hits)."""
        return any(h.action == FLAG or not h.aligned for h in self.hits) or self.decision != PASS

    def as_dict(self) -> dict:
        return {
            "decision": self.decision,
            "channel": self.channel,
            "lexicon_version": self.lexicon_version,
            "hits": [h.as_dict() for h in self.hits],
        }


class InvalidMessage(ScrmError, ValueError):
    """Text the scanner refuses: empty, over WeCom's 4,000-byte limit, or not valid text.

    A :class:`~scrm.errors.ScrmError` (400, its message names the fix) so an API answers with
    it as it is; a ``ValueError`` for the pure callers that treat it as bad input."""
