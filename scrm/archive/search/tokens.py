"""Search tokens (检索分词): the words of a message as the full-text index stores them.

Text is folded character by character the way the scanner reads it — NFKC (full-width →
half-width), casefold, traditional → simplified by the scanner's table — but spaces and
punctuation stay, as word separators. jieba then cuts the folded text without HMM guessing
(the same text always cuts the same way, in a message and in a query), and each word longer
than two characters adds its dictionary sub-words, as jieba's search mode does: 保本保息
stores 保本, 保息 and, were it a dictionary word, 保本保息 too. Only letters and digits make a
token, so emoji and punctuation never reach the index (and never break its query syntax).

The stored string is the precise-mode words in order, then the sub-words: a quoted phrase
matches consecutive words, while single words match anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba

from scrm.compliance.scanning.t2s_chars import TRADITIONAL_TO_SIMPLIFIED
from scrm.compliance.scanning.word_boundaries import prepare_segmenter

_PIECE = re.compile(r"[^\W_]+")
# jieba's own block pattern (jieba.re_han_default): it cuts each such run on its own and
# yields every other character alone, so cutting block by block gives the same words, and
# blocks repeat often enough in chat (您好, 详情请看附件) to be worth caching.
_BLOCK = re.compile("[\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+")


class _FoldTable(dict):
    """``ord(char) → folded copy`` for ``str.translate``, filled in as characters are seen."""

    def __missing__(self, code: int) -> str:
        folded = "".join(
            TRADITIONAL_TO_SIMPLIFIED.get(c, c)
            for c in unicodedata.normalize("NFKC", chr(code)).casefold()
        )
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold_char(char: str) -> str:
    """One character's folded copy: NFKC, casefold, traditional → simplified."""
    return _TABLE[ord(char)]


def fold(text: str) -> str:
    """The folded copy of ``text`` (see the module docstring)."""
    return text.translate(_TABLE)


def fold_with_origins(text: str) -> tuple[str, list[int]]:
    """The folded copy and, for each of its characters, the index of the original character."""
    out, origins = [], []
    for index, char in enumerate(text):
        folded = fold_char(char)
        out.append(folded)
        origins.extend([index] * len(folded))
    return "".join(out), origins


def words(text: str) -> list[str]:
    """The precise-mode words of ``text``, folded, letters and digits only, in order."""
    prepare_segmenter()
    folded, found, at = fold(text), [], 0
    for block in _BLOCK.finditer(folded):
        found.extend(c for c in folded[at : block.start()] if _PIECE.match(c))
        found.extend(_block_words(block.group()))
        at = block.end()
    found.extend(c for c in folded[at:] if _PIECE.match(c))
    return found


@lru_cache(maxsize=65536)
def _block_words(block: str) -> tuple[str, ...]:
    found = []
    for word in jieba.dt.cut(block, HMM=False):
        found.extend(_PIECE.findall(word))
    return tuple(found)


def sub_words(word: str) -> list[str]:
    """The dictionary words of two and three characters inside a longer ``word``."""
    if len(word) <= 2:
        return []
    frequencies = jieba.dt.FREQ
    found = []
    for size in (2, 3):
        if size >= len(word):
            break
        for start in range(len(word) - size + 1):
            gram = word[start : start + size]
            if frequencies.get(gram):
                found.append(gram)
    return found


@dataclass(frozen=True)
class IndexedText:
    """What the index stores for one message."""

    tokens: str  # space-separated: the words in order, then their sub-words
    count: int  # how many tokens


def index_text(text: str | None) -> IndexedText:
    """The tokens of ``text`` for the full-text index (empty for no text).

    :param text: the archived message text, as sent.
    """
    ordered = words(text or "")
    extra = [gram for word in ordered for gram in sub_words(word)]
    tokens = ordered + extra
    return IndexedText(" ".join(tokens), len(tokens))


def postgres_vector(tokens: str) -> str:
    """The ``tsvector`` literal of a token string, with word positions (for phrases).

    Tokens hold only letters and digits, so quoting them needs no escapes.
    """
    return " ".join(f"'{token}':{position}" for position, token in enumerate(tokens.split(), 1))
