"""Showing a found message: its text HTML-escaped, with ``<mark>`` around every keyword match
and every lexicon hit, and a short snippet around the first mark.

Keywords are matched on the folded copy (so 保本 marks 保本, 保夲's traditional twin and a
full-width ＡＢＣ alike) and mapped back to the original characters; lexicon hits carry their
own offsets into the original text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence

from scrm.archive.search.tokens import fold_with_origins

SNIPPET_RADIUS = 40
# Between two words of a phrase the text may hold spaces or punctuation.
_GAP = r"[\W_]*"


def keyword_spans(text: str, needles: Iterable[Sequence[str]]) -> list[tuple[int, int]]:
    """``[start, end)`` spans of ``text`` where one of the word sequences appears, folded.

    :param needles: each a sequence of folded words (one word, or a phrase's words).
    """
    folded, origins = fold_with_origins(text)
    spans = []
    for needle in needles:
        pattern = re.compile(_GAP.join(re.escape(word) for word in needle))
        for match in pattern.finditer(folded):
            if match.end() > match.start():
                spans.append((origins[match.start()], origins[match.end() - 1] + 1))
    return spans


def hit_spans(text: str, hits: Iterable[Mapping]) -> list[tuple[int, int]]:
    """The spans of the archived lexicon and PII hits that still fit the text."""
    spans = []
    for hit in hits:
        start, end = hit.get("start"), hit.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append((start, end))
    return spans


def merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def marked(text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None):
    """``text[start:end]`` HTML-escaped with ``<mark>`` around the (merged) ``spans``."""
    end = len(text) if end is None else end
    out, at = [], start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if span_end <= span_start:
            continue
        out.append(html.escape(text[at:span_start]))
        out.append("<mark>" + html.escape(text[span_start:span_end]) + "</mark>")
        at = span_end
    out.append(html.escape(text[at:end]))
    return "".join(out)


def highlight(text: str | None, hits: Iterable[Mapping], needles=()) -> dict:
    """The message's ``html`` (whole text, marked) and ``snippet`` (around the first mark).

    :param needles: the keyword's word sequences (see :meth:`Keyword.needles`).
    """
    text = text or ""
    spans = merge([*keyword_spans(text, needles), *hit_spans(text, hits)])
    if spans:
        first = spans[0][0]
        start = max(0, first - SNIPPET_RADIUS)
        end = min(len(text), spans[0][1] + SNIPPET_RADIUS)
    else:
        start, end = 0, min(len(text), 2 * SNIPPET_RADIUS)
    snippet = marked(text, spans, start, end)
    snippet = ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")
    return {"html": marked(text, spans), "snippet": snippet, "marks": len(spans)}
