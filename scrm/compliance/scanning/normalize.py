"""The normalised copy of a message that the lexicon is matched against, with a map back.

Each character of the original is turned into zero or more characters of the copy, on its own:
NFKC (full-width and half-width forms, circled and styled digits and letters), casefold,
traditional → simplified by a character table, and noise — punctuation, symbols (emoji too),
spaces, zero-width and other invisible characters, combining marks — dropped, so ``稳·赚``,
``保 本``, ``零-风-险`` and ``穩*賺`` all read ``稳赚``. Because every output character comes from
exactly one input character, each character of the copy maps back to the original, and a
hit is reported on the exact original substring.

Chinese sentence punctuation (，。！？；：、 and line breaks) is not noise: it ends a clause, so
it stays in the copy unchanged, a barrier that no term can match across. Without it every
clause boundary would invite accidental hits (``最好，第一时间`` → ``好第``), and no one
hides a term by writing a full stop inside it.

The same function normalises lexicon terms and allow phrases, so both sides always agree.

Speed: most characters of a chat message (Chinese characters, digits, lower-case letters,
clause punctuation) are their own copy. One regex finds the runs of the others, and only those
runs are looked up, so a message costs one C-speed pass plus a call per run.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from scrm.compliance.scanning.t2s_chars import (
    TRADITIONAL_TO_SIMPLIFIED as _TRADITIONAL_TO_SIMPLIFIED,
)

#: Clause ends as typed in Chinese text; kept in the copy, where no term matches across them.
BARRIERS = "，。！？；：、\n\r"

# Unicode categories dropped from the copy: punctuation (P*), symbols (S*, which holds the
# emoji), separators (Z*), controls and invisible format characters such as U+200B (C*),
# and combining marks (M*) that can be stacked on a character to break a match.
_NOISE_CATEGORIES = frozenset("PSZCM")


def _normalise_char(char: str) -> str:
    """The copy of one original character: NFKC → casefold → t2s, noise removed."""
    if char in BARRIERS:
        return char
    folded = unicodedata.normalize("NFKC", char).casefold()
    out = []
    for c in folded:
        if unicodedata.category(c)[0] in _NOISE_CATEGORIES:
            continue
        out.append(_TRADITIONAL_TO_SIMPLIFIED.get(c, c))
    return "".join(out)


class _CharTable(dict):
    """``ord(char) → copy`` for ``str.translate``, filled in as characters are first seen.

    A message uses a few hundred distinct characters out of 1.1 million code points, so the
    table grows lazily instead of being computed for all of Unicode at import.
    """

    def __missing__(self, code: int) -> str:
        value = _normalise_char(chr(code))
        self[code] = value
        return value


_TABLE = _CharTable()


_changing: re.Pattern | None = None


def _changing_runs() -> re.Pattern:
    """Runs of characters that are not their own copy: anything outside the Basic Multilingual
    Plane, and every BMP character whose copy differs (computed once, about 0.1 s).

    Written as "not one of the BMP characters that stay", so the class holds BMP characters
    only and ``re`` compiles it to a bitmap.
    """
    global _changing
    if _changing is None:
        stay = [
            code
            for code in range(0x10000)
            if not 0xD800 <= code < 0xE000 and _TABLE[code] == chr(code)
        ]
        ranges, first, last = [], stay[0], stay[0]
        for code in stay[1:]:
            if code != last + 1:
                ranges.append((first, last))
                first = code
            last = code
        ranges.append((first, last))
        members = "".join(
            re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
            for a, b in ranges
        )
        _changing = re.compile(f"[^{members}]+")
    return _changing


def _copy_of_run(match: re.Match) -> str:
    return match.group().translate(_TABLE)


def normalise(text: str) -> str:
    """The normalised copy of ``text`` (no map back)."""
    return _changing_runs().sub(_copy_of_run, text)


@dataclass(frozen=True)
class Normalised:
    """A normalised copy and the map back to the original.

    Most characters become exactly one character of the copy, so the map is kept as segments
    — a new one after each character that vanished or became several — rather than one entry
    per character: a message with a hit costs a few regex matches instead of a Python loop.
    """

    text: str
    _copy_starts: tuple[int, ...]  # where each segment starts in the copy
    _original_starts: tuple[int, ...]  # ... and in the original
    _expanded: tuple[bool, ...]  # the segment is one original character's several outputs

    def original_index(self, index: int) -> int:
        """The index in the original text of the character that became ``text[index]``."""
        segment = bisect.bisect_right(self._copy_starts, index) - 1
        original = self._original_starts[segment]
        if self._expanded[segment]:
            return original
        return original + index - self._copy_starts[segment]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span ``[start, end)`` of the copy as a span of the original text.

        :param start: first character of the span in the copy
        :param end: one past the last character (``end > start``)
        """
        return self.original_index(start), self.original_index(end - 1) + 1


def normalise_with_positions(text: str, copy: str | None = None) -> Normalised:
    """The normalised copy of ``text`` with the map back to the original.

    :param text: the original message
    :param copy: ``normalise(text)`` when the caller already has it
    """
    copy_starts, original_starts, expanded = [0], [0], [False]
    table = _TABLE
    for run in _changing_runs().finditer(text):
        for index in range(run.start(), run.end()):
            length = len(table[ord(text[index])])
            if length == 1:
                continue  # one character for one: the segment's offsets still hold
            at = copy_starts[-1] + index - original_starts[-1]
            if length:
                copy_starts.append(at)
                original_starts.append(index)
                expanded.append(True)
            copy_starts.append(at + length)
            original_starts.append(index + 1)
            expanded.append(False)
    return Normalised(
        normalise(text) if copy is None else copy,
        tuple(copy_starts),
        tuple(original_starts),
        tuple(expanded),
    )
