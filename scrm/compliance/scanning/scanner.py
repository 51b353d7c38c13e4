"""The sensitive-word scanner: ``scan(text, channel, lexicon) -> ScanResult``. Pure, no I/O.

One Aho-Corasick automaton per lexicon version holds every normalised term and allow phrase.
A message is normalised with one ``str.translate`` and searched; only when something is found
is the offset map built and the hits sorted out, in this order:

1. allow phrases, span-scoped: a term hit is dropped only when it lies inside an allow phrase
   that suppresses that term (``不保本，但我保证收益`` still blocks on 保证收益);
2. context rules (:mod:`scrm.compliance.scanning.context_rules`), e.g. 保本 said of a deposit
   is a fact;
3. the action of the term on the channel;
4. jieba word boundaries: a hit that cuts through words (``确保本次`` holds 保本) is marked
   ``aligned=False`` and, when it would block, is downgraded to warn so a person looks at it.

Personal numbers (:mod:`scrm.compliance.scanning.pii`) are added with their own per-channel actions.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import ahocorasick

from scrm.compliance.scanning import context_rules as context
from scrm.compliance.scanning.normalize import normalise, normalise_with_positions
from scrm.compliance.scanning.pii import CATEGORY as PII_CATEGORY
from scrm.compliance.scanning.pii import find_personal_numbers
from scrm.compliance.scanning.word_boundaries import aligned_spans, prepare_segmenter
from scrm.compliance.vocabulary import (
    BLOCK,
    CHANNELS,
    FLAG,
    PASS,
    SEVERITY,
    WARN,
    AllowPhrase,
    Hit,
    InvalidMessage,
    Lexicon,
    ScanResult,
    Term,
)

#: WeCom refuses text messages longer than this many bytes of UTF-8.
MAX_MESSAGE_BYTES = 4000
# C0 and C1 control characters other than tab, line feed and carriage return: binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What is left of a message once spaces and invisible characters are gone.
_VISIBLE = re.compile(r"[^\s\u200b-\u200f\u2060-\u2064\ufeff\u180e]")


def check_message(text: str | bytes) -> str:
    """The message as text, or :class:`InvalidMessage` saying what is wrong and how to fix it.

    :param text: the message; bytes must be UTF-8
    :raise InvalidMessage: not UTF-8, control characters (binary), empty, over 4,000 bytes
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidMessage(
                f"message is not valid UTF-8 (byte 0x{text[error.start]:02x} at offset "
                f"{error.start}); send text encoded as UTF-8"
            ) from None
    if not isinstance(text, str):
        raise InvalidMessage(f"message must be text, not {type(text).__name__}")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as error:  # lone surrogates, e.g. undecodable bytes from argv
        raise InvalidMessage(
            f"message is not valid UTF-8 (undecodable data at character {error.start}); "
            "send text encoded as UTF-8"
        ) from None
    control = _CONTROL.search(text)
    if control is not None:
        raise InvalidMessage(
            f"message contains control character U+{ord(control.group()):04X} at character "
            f"{control.start()}: this looks like binary data, not text; send plain text"
        )
    if _VISIBLE.search(text) is None:
        raise InvalidMessage("message is empty (nothing but spaces); write some text")
    if size > MAX_MESSAGE_BYTES:
        raise InvalidMessage(
            f"message is {size:,} bytes of UTF-8; WeCom accepts at most {MAX_MESSAGE_BYTES:,}: "
            "split it into shorter messages"
        )
    return text


@dataclass(frozen=True)
class _Entry:
    """What one normalised key stands for: lexicon terms, an allow phrase, or both."""

    length: int
    terms: tuple[Term, ...]
    suppresses: frozenset[str] | None  # set when the key is an allow phrase
    key: str


class Matcher:
    """The automaton for one lexicon. Read-only once built, so threads may share it."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        terms: dict[str, list[Term]] = {}
        for term in lexicon.terms:
            key = normalise(term.term)
            if key:
                terms.setdefault(key, []).append(term)
        allows: dict[str, set[str]] = {}
        for phrase in lexicon.allow:
            key = normalise(phrase.phrase)
            if key:
                allows.setdefault(key, set()).update(_suppressed_keys(phrase))
        self.automaton = ahocorasick.Automaton()
        for key in terms.keys() | allows.keys():
            suppresses = frozenset(allows[key]) if key in allows else None
            entry = _Entry(len(key), tuple(terms.get(key, ())), suppresses, key)
            self.automaton.add_word(key, entry)
        if len(self.automaton):
            self.automaton.make_automaton()

    def find(self, text: str, channel: str) -> list[Hit]:
        """The lexicon hits in ``text`` that survive allow phrases, with channel actions."""
        if not len(self.automaton):
            return []
        normalised = normalise(text)
        found = list(self.automaton.iter(normalised))
        if not any(entry.terms for _, entry in found):
            return []
        copy = normalise_with_positions(text, normalised)
        allowed = [(end + 1 - e.length, end + 1, e.suppresses) for end, e in found if e.suppresses]
        spans = []
        for end, entry in found:
            if not entry.terms:
                continue
            start, stop = end + 1 - entry.length, end + 1
            if any(a <= start and stop <= b and entry.key in keys for a, b, keys in allowed):
                continue
            spans.append((start, stop, entry))
        if not spans:
            return []
        aligned = aligned_spans(copy.text, [(start, stop) for start, stop, _ in spans])
        hits = []
        for (start, stop, entry), is_aligned in zip(spans, aligned, strict=True):
            term = max(entry.terms, key=lambda t: SEVERITY[t.action(channel)])
            action = context.adjusted_action(term.action(channel), entry.key, copy.text, start)
            if action == BLOCK and not is_aligned:
                action = WARN
            first, last = copy.original_span(start, stop)
            hits.append(
                Hit(
                    "lexicon",
                    term.category,
                    term.term,
                    action,
                    first,
                    last,
                    text[first:last],
                    is_aligned,
                )
            )
        return hits


def _suppressed_keys(phrase: AllowPhrase) -> set[str]:
    return {key for key in (normalise(term) for term in phrase.suppresses) if key}


_matchers: dict[str, Matcher] = {}
_matchers_lock = threading.Lock()
_KEEP_VERSIONS = 4  # the current lexicon and a few just replaced, still used by old requests


def build_matcher(lexicon: Lexicon) -> Matcher:
    """The matcher for ``lexicon``, built once per lexicon version and then reused.

    :param lexicon: a loaded lexicon; its ``version`` names its content
    """
    matcher = _matchers.get(lexicon.version)
    if matcher is not None and (
        matcher.lexicon is lexicon
        or (matcher.lexicon.terms == lexicon.terms and matcher.lexicon.allow == lexicon.allow)
    ):
        return matcher
    prepare_segmenter()
    matcher = Matcher(lexicon)
    with _matchers_lock:
        _matchers[lexicon.version] = matcher
        while len(_matchers) > _KEEP_VERSIONS:
            _matchers.pop(next(iter(_matchers)))
    return matcher


def scan(text: str | bytes, channel: str, lexicon: Lexicon) -> ScanResult:
    """Scan one message for one channel against ``lexicon``.

    :param text: the message as the customer would see it
    :param channel: ``single`` (1v1), ``group`` or ``moments``
    :param lexicon: the lexicon to apply; its version is recorded in the result
    :raise InvalidMessage: the message is not acceptable text (see :func:`check_message`)
    :raise ValueError: ``channel`` is not one of :data:`CHANNELS`
    """
    text = check_message(text)
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    hits = build_matcher(lexicon).find(text, channel)
    for number in find_personal_numbers(text):
        hits.append(
            Hit(
                "pii",
                PII_CATEGORY,
                number.kind,
                number.action(channel),
                number.start,
                number.end,
                text[number.start : number.end],
                True,
                number.confidence,
            )
        )
    hits.sort(key=lambda h: (h.start, -h.end, h.kind, h.term))
    return ScanResult(decide(hits), channel, lexicon.version, tuple(hits))


def decide(hits: list[Hit]) -> str:
    """``block`` if any hit blocks, else ``warn`` if any warns, else ``pass`` (flags pass)."""
    actions = {hit.action for hit in hits}
    if BLOCK in actions:
        return BLOCK
    if WARN in actions:
        return WARN
    return PASS


__all__ = [
    "FLAG",
    "MAX_MESSAGE_BYTES",
    "Matcher",
    "build_matcher",
    "check_message",
    "decide",
    "scan",
]
