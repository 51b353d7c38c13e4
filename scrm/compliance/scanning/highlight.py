"""Hits shown in place (命中高亮): a text as HTML with each hit span wrapped in
``<mark data-action=… data-category=…>``, everything else escaped."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import escape

from scrm.compliance.vocabulary import SEVERITY


def mark_hits(text: str, hits: Iterable[Mapping[str, Any]]) -> str:
    """``text`` HTML-escaped, with every hit's ``start``–``end`` span marked.

    Overlapping hits (a PII number inside a term, two terms sharing characters) become one
    mark over their union, carrying the most severe action.

    :param hits: dicts with ``start``, ``end``, ``action`` and ``category`` indexing ``text``.
    """
    spans: list[list[Any]] = []
    for hit in sorted(hits, key=lambda h: (h["start"], -h["end"])):
        start, end = max(0, int(hit["start"])), min(len(text), int(hit["end"]))
        if end <= start:
            continue
        if spans and start < spans[-1][1]:
            last = spans[-1]
            last[1] = max(last[1], end)
            if SEVERITY.get(hit["action"], 0) > SEVERITY.get(last[2], 0):
                last[2], last[3] = hit["action"], hit.get("category", "")
            continue
        spans.append([start, end, hit["action"], hit.get("category", "")])
    out, at = [], 0
    for start, end, action, category in spans:
        out.append(str(escape(text[at:start])))
        out.append(
            f'<mark data-action="{escape(action)}" data-category="{escape(category)}">'
            f"{escape(text[start:end])}</mark>"
        )
        at = end
    out.append(str(escape(text[at:])))
    return "".join(out)
