"""Archive search (存档检索): find archived messages by keyword and filters, newest first.

One indexed query over the search index (see :mod:`scrm.archive.search.plan`) picks a page
of message ids — keyset pagination on the message id, never OFFSET, so page N costs what page
1 costs and a page does not shift when new messages arrive — then the page's archived
messages are read and shown with their hits marked. Reading never writes the archive; the
access audit is written by the caller (:mod:`scrm.archive.search.api`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.search.highlight import highlight
from scrm.archive.search.plan import branch_departments, matching_ids, page_ids
from scrm.archive.search.query import SearchQuery
from scrm.db import db

__all__ = [
    "SearchPage",
    "branch_departments",
    "matching_ids",
    "message_result",
    "messages_by_id",
    "search_archive",
]


@dataclass(frozen=True)
class SearchPage:
    """One page of results and the cursor of the next (``None`` on the last page)."""

    results: list[dict]
    next_before: int | None


def search_archive(query: SearchQuery) -> SearchPage:
    """Run ``query``: matching archived messages, newest first, one page.

    :param query: a checked query (see :func:`scrm.archive.search.query.query_from_args`).
    """
    ids = page_ids(query, query.limit + 1)
    more = len(ids) > query.limit
    ids = ids[: query.limit]
    needles = query.keyword.needles() if query.keyword else ()
    results = [message_result(m, needles) for m in messages_by_id(ids)]
    return SearchPage(results, ids[-1] if more else None)


def messages_by_id(ids: list[int]) -> list[ArchivedMessage]:
    """The archived messages of ``ids``, in the order of ``ids``."""
    if not ids:
        return []
    rows = {
        m.id: m
        for m in db.session.scalars(select(ArchivedMessage).where(ArchivedMessage.id.in_(ids)))
    }
    return [rows[i] for i in ids if i in rows]


def message_result(message: ArchivedMessage, needles=()) -> dict:
    """One archived message as a search result: its facts, hits and marked text."""
    marked = highlight(message.text, message.hits or (), needles)
    return {
        "id": message.id,
        "created_at": message.created_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "direction": message.direction,
        "channel": message.channel,
        "origin": message.origin,
        "sender": message.sender,
        "recipients": message.recipients,
        "chat_ids": message.chat_ids,
        "msgtype": message.msgtype,
        "decision": message.decision,
        "outcome": message.outcome,
        "hits": [
            {k: hit.get(k) for k in ("kind", "category", "term", "action", "matched")}
            for hit in message.hits or ()
        ],
        "attachments": len(message.attachments or ()),
        "text_html": marked["html"],
        "snippet_html": marked["snippet"],
    }
