"""Keeping the search index current: the indexer reads archived messages after its cursor —
the highest message id already indexed — and writes their search rows.

Archive ids are handed out under the chain lock and committed in order, so "after the highest
indexed id" never skips a message. Every row is keyed by the message id and inserted with
``ON CONFLICT DO NOTHING``; the words (FTS5 on SQLite) and facts are written only for the
documents this run inserted, so two indexers racing, or a re-run, index each message once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, text

from scrm.archive.chain.models import INBOUND, ArchivedMessage
from scrm.archive.ingest.services import is_customer
from scrm.archive.search.models import (
    CATEGORY,
    CUSTOMER,
    FTS_TABLE,
    GROUP,
    TERM,
    ArchiveSearchDoc,
    ArchiveSearchFact,
)
from scrm.archive.search.tokens import index_text, postgres_vector
from scrm.db import db, insert_unless_present
from scrm.directory.models import Staff

_FTS_INSERT = text(f"INSERT INTO {FTS_TABLE}(rowid, words) VALUES (:message_id, :words)")
_FTS_CLEAR = text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
#: What the indexer reads of each archived message.
SOURCE_COLUMNS = (
    ArchivedMessage.id,
    ArchivedMessage.created_at,
    ArchivedMessage.direction,
    ArchivedMessage.channel,
    ArchivedMessage.origin,
    ArchivedMessage.sender,
    ArchivedMessage.recipients,
    ArchivedMessage.chat_ids,
    ArchivedMessage.text,
    ArchivedMessage.decision,
    ArchivedMessage.outcome,
    ArchivedMessage.hits,
)


def indexed_up_to() -> int:
    """The cursor: the highest archived message id in the index (0 when empty)."""
    return db.session.scalar(select(func.max(ArchiveSearchDoc.message_id))) or 0


def index_new_messages(*, batch_size: int = 2000, limit: int | None = None) -> int:
    """Index the archived messages after the cursor, in batches; flushes, the caller commits.

    :param batch_size: messages read and written per round trip.
    :param limit: stop after about this many (the clock job keeps each run short).
    :return: how many messages this call indexed.
    """
    departments = dict(db.session.execute(select(Staff.userid, Staff.department_id)).all())
    cursor, indexed = indexed_up_to(), 0
    while limit is None or indexed < limit:
        rows = db.session.execute(
            select(*SOURCE_COLUMNS)
            .where(ArchivedMessage.id > cursor)
            .order_by(ArchivedMessage.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        indexed += index_rows(rows, departments)
        cursor = rows[-1].id
    return indexed


def clear_index() -> None:
    """Empty the search index (flushes; the caller commits). The archive is not touched: the
    index is derived data, rebuilt by running the indexer again."""
    db.session.execute(delete(ArchiveSearchFact))
    db.session.execute(delete(ArchiveSearchDoc))
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(_FTS_CLEAR)


def index_rows(rows: Sequence, departments: dict[str, int | None]) -> int:
    """Write the search rows of ``rows`` (archived messages with :data:`SOURCE_COLUMNS`),
    skipping those present. Returns how many were written on SQLite; on PostgreSQL, where
    nothing needs to know, how many were given.

    :param departments: staff userid → department id, for the RM's branch.
    """
    dialect = db.session.get_bind().dialect.name
    docs, words, facts = [], {}, {}
    for row in rows:
        doc, indexed, row_facts = _search_rows(row, departments)
        if dialect == "postgresql":
            doc["words"] = postgres_vector(indexed)
        docs.append(doc)
        words[row.id] = indexed
        facts[row.id] = row_facts
    if dialect == "postgresql":
        # The words are in the row, and facts are unique too: no need to know which are new.
        db.session.execute(
            insert_unless_present(ArchiveSearchDoc.__table__, ["message_id"], dialect=dialect),
            docs,
        )
        new = list(words)
    else:
        statement = insert_unless_present(
            ArchiveSearchDoc.__table__, ["message_id"], dialect=dialect, returning=["message_id"]
        )
        new = [r.message_id for r in db.session.execute(statement, docs)]
        fts = [{"message_id": m, "words": words[m]} for m in new if words[m]]
        if fts:
            db.session.execute(_FTS_INSERT, fts)
    fact_rows = [fact for message_id in new for fact in facts[message_id]]
    if fact_rows:
        db.session.execute(
            insert_unless_present(
                ArchiveSearchFact.__table__, ["kind", "value", "message_id"], dialect=dialect
            ),
            fact_rows,
        )
    return len(new)


def _search_rows(row, departments: dict[str, int | None]) -> tuple[dict, str, list[dict]]:
    if row.direction == INBOUND:
        customers = [row.sender]
        rm = next((r for r in row.recipients or () if not is_customer(r)), None)
    else:
        customers = [r for r in row.recipients or () if is_customer(r)]
        rm = row.sender
    chats = list(row.chat_ids or ())
    conversation = None
    if row.channel == "group" and len(chats) == 1:
        conversation = f"group:{chats[0]}"
    elif row.channel == "single" and rm and len(customers) == 1:
        conversation = f"single:{rm}:{customers[0]}"
    doc = {
        "message_id": row.id,
        "created_at": row.created_at,
        "sender": row.sender,
        "rm": rm,
        "department_id": departments.get(rm) if rm else None,
        "direction": row.direction,
        "channel": row.channel,
        "origin": row.origin,
        "decision": row.decision,
        "outcome": row.outcome,
        "conversation": conversation[:200] if conversation else None,
        "words": None,
    }
    values = {(CUSTOMER, c) for c in customers} | {(GROUP, c) for c in chats}
    for hit in row.hits or ():
        values |= {(CATEGORY, str(hit.get("category", ""))), (TERM, str(hit.get("term", "")))}
    facts = [
        {"kind": kind, "value": value[:128], "message_id": row.id}
        for kind, value in sorted(values)
        if value
    ]
    return doc, index_text(row.text).tokens, facts
