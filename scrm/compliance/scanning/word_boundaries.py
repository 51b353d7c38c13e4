"""jieba word boundaries, to tell a real use of a term from an accidental substring.

``确保本次`` holds 保本, but jieba reads 确保 / 本次: the hit starts inside one word and ends
inside the next, so it is not aligned. A hit counts as aligned when both of its ends fall on
word boundaries, or when one end does and the hit also covers at least one whole word — a
term followed by a suffix is still that term (保证收益率 reads 保证 / 收益率, 稳赚钱 reads
稳 / 赚钱), while a term buried in one longer word (第一名) or straddling two (确保本次) is not.

jieba segments each run of its own character class (a block) on its own. For speed only a
window of the block around a hit is segmented — ``WINDOW`` characters either side, which is
where jieba's choice of words at the hit's ends is decided in practice — and windows are
cached, since the same clauses come back again and again. Before that, a shortcut that gives
the same answer: when no dictionary word in the window spans across either end of the hit,
every segmentation has a boundary there, so the hit is aligned without segmenting (six hits
in ten on chat text). jieba's HMM guessing of unknown words is off: it could glue single
characters across a hit's end, and this check is about dictionary words.
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from functools import lru_cache

import jieba

# jieba's own block pattern (jieba.re_han_default): it segments each such run separately.
_BLOCK = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+")
WINDOW = 6
_ready = False
_lock = threading.Lock()


def prepare_segmenter() -> None:
    """Load jieba's dictionary once (about a second), quietly, before the first scan needs it."""
    global _ready
    if _ready:
        return
    with _lock:
        if not _ready:
            jieba.setLogLevel(logging.WARNING)  # its load messages would land on our stderr
            jieba.dt.initialize()
            _ready = True


@lru_cache(maxsize=16384)
def _word_ends(block: str) -> frozenset[int]:
    """The offsets inside ``block`` where a jieba word ends."""
    ends, position = set(), 0
    for word in jieba.dt.cut(block, HMM=False):
        position += len(word)
        ends.add(position)
    return frozenset(ends)


def aligned_spans(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """For each ``[start, end)`` of ``text``, whether it is a word (see the module docstring).

    :param text: the normalised copy the spans index
    :param spans: hit spans, each with ``end > start``
    """
    prepare_segmenter()
    blocks = [(m.start(), m.end()) for m in _BLOCK.finditer(text)]
    starts = [start for start, _ in blocks]

    def block_of(position: int) -> tuple[int, int] | None:
        index = bisect.bisect_right(starts, position) - 1
        return blocks[index] if index >= 0 else None

    result = []
    for start, end in spans:
        block = block_of(start)
        if block is None or block[1] <= start:
            block = block_of(end - 1) or (start, start)
        low, high = max(block[0], start - WINDOW), min(block[1], end + WINDOW)
        if not _spanned(text, start, low, high) and not _spanned(text, end, low, high):
            result.append(True)
            continue
        ends = _word_ends(text[low:high]) if high > low else frozenset()
        marks = [
            not (block[0] < p < block[1]) or (low < p < high and p - low in ends)
            for p in range(start, end + 1)
        ]
        head, tail = marks[0], marks[-1]
        if head and tail:
            result.append(True)
        elif head or tail:
            result.append(any(marks[1:-1]))
        else:
            result.append(False)
    return result


def _spanned(text: str, position: int, low: int, high: int) -> bool:
    """Whether a dictionary word inside ``text[low:high]`` starts before ``position`` and ends
    after it (jieba's dictionary also holds every word's prefixes, with frequency 0)."""
    frequencies = jieba.dt.FREQ
    for first in range(low, position):
        last = first + 1
        while last <= high:
            frequency = frequencies.get(text[first:last])
            if frequency is None:
                break
            if last > position and frequency:
                return True
            last += 1
    return False


def forget_segments() -> None:
    """Empty the window cache (benchmarks measure messages never seen before)."""
    _word_ends.cache_clear()
