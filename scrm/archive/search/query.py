"""What a compliance officer asks the archive search for, checked before any SQL is built.

Keyword syntax: words separated by spaces must all match (AND); a "quoted phrase" (ASCII or
Chinese quotes) must match as consecutive words. There are no operators: the words become the
index's own tokens and are quoted by us, so no input can reach the full-text engine's syntax.
Every refusal says what to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scrm.archive.search.tokens import words
from scrm.compliance.vocabulary import CHANNELS, DECISIONS
from scrm.errors import ScrmError
from scrm.payloads import BIG_ID_MAX, day, instant, whole_number

KEYWORD_MAX = 200
PAGE_MAX = 200
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"'})
_OPERATOR_CHARS = set("*^(){}[]:+|&!<>~\\")
_OPERATOR_WORDS = {"AND", "OR", "NOT", "NEAR"}


class SearchError(ScrmError):
    """A search the archive cannot run as asked; the message names the fix."""


@dataclass(frozen=True)
class Keyword:
    """The parsed keyword: each clause is one word, or the words of a quoted phrase."""

    text: str
    clauses: tuple[tuple[str, ...], ...]

    def needles(self) -> list[tuple[str, ...]]:
        """The word sequences to highlight in a message."""
        return list(self.clauses)


@dataclass(frozen=True)
class SearchQuery:
    """An archive search: a keyword and/or filters, a page size and a keyset cursor."""

    keyword: Keyword | None = None
    start: datetime | None = None  # archived at or after (UTC)
    end: datetime | None = None  # archived before (UTC)
    rm: str | None = None  # the bank side's staff userid, in either direction
    customer: str | None = None  # a customer's external_userid
    group: str | None = None  # a customer group's chat id
    branch: int | None = None  # a department id: that department and everything under it
    channel: str | None = None
    origin: str | None = None
    decision: str | None = None
    category: str | None = None
    term: str | None = None
    before: int | None = None  # the cursor: only messages with a smaller id
    limit: int = 50
    filters: dict = field(default_factory=dict)  # the filters as given, for the audit

    def __post_init__(self):
        if self.start and self.end and self.end <= self.start:
            raise SearchError(
                f"the time range ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()}); swap 'from' and 'to'"
            )
        if self.channel and self.channel not in CHANNELS:
            raise SearchError(f"channel {self.channel!r} is not one of {', '.join(CHANNELS)}")
        if self.decision and self.decision not in DECISIONS:
            raise SearchError(f"decision {self.decision!r} is not one of {', '.join(DECISIONS)}")
        if not 1 <= self.limit <= PAGE_MAX:
            raise SearchError(f"limit {self.limit} is out of range; give 1 to {PAGE_MAX}")
        narrowing = ("start", "end", "branch", *_TEXT_FILTERS)
        if self.keyword is None and all(getattr(self, name) is None for name in narrowing):
            raise SearchError(
                "the search is empty; give a keyword (q) or at least one filter "
                "(from, to, rm, customer, group, branch, channel, origin, decision, "
                "category, term)"
            )


def parse_keyword(raw: str | None) -> Keyword | None:
    """The keyword clauses of ``raw``, or ``None`` for no keyword.

    :raise SearchError: too long, an unclosed quote, operator characters or words, an empty
        phrase, or nothing searchable (only emoji or punctuation).
    """
    text = (raw or "").translate(_QUOTES).strip()
    if not text:
        return None
    if len(text) > KEYWORD_MAX:
        raise SearchError(
            f"the keyword is {len(text)} characters; shorten it to {KEYWORD_MAX} or fewer "
            "(search for the most telling words only)"
        )
    if text.count('"') % 2:
        raise SearchError(f'the keyword {text!r} has an unclosed quote; close the "phrase"')
    operators = sorted(_OPERATOR_CHARS.intersection(text))
    if operators:
        raise SearchError(
            f"remove {' '.join(operators)} from the keyword: the search takes no operators; "
            'every word must match, and "quotes" find an exact phrase'
        )
    clauses: list[tuple[str, ...]] = []
    for index, part in enumerate(text.split('"')):
        quoted = index % 2 == 1
        if quoted:
            phrase = tuple(words(part))
            if not phrase:
                raise SearchError(
                    f'the phrase "{part}" has no words to search for; put words between '
                    "the quotes or remove them"
                )
            clauses.append(phrase)
            continue
        for piece in part.split():
            if piece in _OPERATOR_WORDS:
                raise SearchError(
                    f"{piece} is not an operator here: every word must match already; "
                    f'remove it, or write "{piece.lower()}" to search for the word'
                )
            clauses.extend((word,) for word in words(piece))
    if not clauses:
        raise SearchError(
            f"the keyword {text!r} has no letters or digits to search for (emoji and "
            "punctuation are not indexed); add a word"
        )
    unique = tuple(dict.fromkeys(clauses))
    return Keyword(text, unique)


def sqlite_match(keyword: Keyword) -> str:
    """The FTS5 MATCH expression: every clause quoted, ANDed."""
    return " AND ".join('"' + " ".join(clause) + '"' for clause in keyword.clauses)


def postgres_tsquery(keyword: Keyword) -> str:
    """The ``tsquery`` literal: words quoted, phrases joined by ``<->``, clauses ANDed."""
    return " & ".join(
        "(" + " <-> ".join(f"'{word}'" for word in clause) + ")" for clause in keyword.clauses
    )


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TEXT_FILTERS = ("rm", "customer", "group", "channel", "origin", "decision", "category", "term")


def query_from_args(args: Mapping[str, str], *, timezone: str = "Asia/Shanghai") -> SearchQuery:
    """A :class:`SearchQuery` from request arguments: ``q``, ``from``, ``to`` (a date is that
    whole local day; a time without an offset is local), the text filters, ``branch``
    (department id), ``before`` (cursor) and ``limit``.

    :raise SearchError: naming the argument to fix.
    """
    zone = ZoneInfo(timezone)
    filters = {}
    for name in _TEXT_FILTERS:
        value = (args.get(name) or "").strip()
        if value:
            if len(value) > 128:
                raise SearchError(f"{name} is {len(value)} characters; give at most 128")
            filters[name] = value
    start = _moment(args, "from", zone, end_of_day=False)
    end = _moment(args, "to", zone, end_of_day=True)
    if start:
        filters["from"] = start.isoformat()
    if end:
        filters["to"] = end.isoformat()
    branch = whole_number(args, "branch", hint="a department id, e.g. branch=2")
    if branch is not None:
        filters["branch"] = branch
    return SearchQuery(
        keyword=parse_keyword(args.get("q")),
        start=start,
        end=end,
        branch=branch,
        before=whole_number(
            args, "before", maximum=BIG_ID_MAX, hint="the next_before of the previous page"
        ),
        limit=whole_number(args, "limit", default=50, minimum=1, maximum=PAGE_MAX),
        filters=filters,
        **{name: filters[name] for name in _TEXT_FILTERS if name in filters},
    )


def _moment(args: Mapping[str, str], name: str, zone: ZoneInfo, *, end_of_day: bool):
    # A date alone is that whole local day: "to" a date ends at the next local midnight.
    if _DATE_ONLY.match((args.get(name) or "").strip()):
        first = day(args, name) + timedelta(days=1 if end_of_day else 0)
        return datetime.combine(first, time.min, zone).astimezone(UTC)
    return instant(args, name, zone)
