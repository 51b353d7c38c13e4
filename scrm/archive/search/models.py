"""The archive's search index (存档检索索引): kept beside the archive, never in it.

``archive_search_doc`` holds one row per indexed message — the filter columns and, on
PostgreSQL, its ``tsvector`` under a GIN index; ``archive_search_fact`` holds the facts a
message can have several of (customers, groups, hit categories and terms). On SQLite the words
live in the FTS5 table ``archive_search_fts`` (rowid = message id), created by migration
c5a10000b005 and invisible to the models: :func:`include_object` tells Alembic to leave it
and its shadow tables alone. The index can be dropped and rebuilt from the archive at any time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from scrm.db import Base, UTCDateTime

#: The SQLite FTS5 table; its shadow tables are named ``archive_search_fts_*``.
FTS_TABLE = "archive_search_fts"

#: Kinds of multi-valued facts.
CUSTOMER = "customer"  # a recipient's external_userid
GROUP = "group"  # a customer group's chat id
CATEGORY = "category"  # a hit's lexicon category (or PII kind)
TERM = "term"  # a hit's lexicon term
FACT_KINDS = (CUSTOMER, GROUP, CATEGORY, TERM)


class SearchVector(TypeDecorator):
    """PostgreSQL: a ``tsvector`` written from its literal; SQLite: unused text (NULL), since
    the words live in the FTS5 table there."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TSVECTOR())
        return dialect.type_descriptor(Text())

    def bind_expression(self, bindvalue):
        return cast(bindvalue, self)

    def column_expression(self, column):
        return column


class ArchiveSearchDoc(Base):
    """One indexed archived message: what the search filters and orders by."""

    __tablename__ = "archive_search_doc"
    __table_args__ = (
        Index("ix_archive_search_doc_created_at_message", "created_at", "message_id"),
        Index("ix_archive_search_doc_rm_message", "rm", "message_id"),
        Index("ix_archive_search_doc_conversation_message", "conversation", "message_id"),
        Index("ix_archive_search_doc_department_message", "department_id", "message_id"),
        Index(
            "ix_archive_search_doc_decision_department",
            "decision",
            "department_id",
            "message_id",
        ),
        Index("ix_archive_search_doc_words", "words", postgresql_using="gin"),
    )

    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sender: Mapped[str] = mapped_column(String(64))  # staff userid, or a customer's (inbound)
    rm: Mapped[str | None] = mapped_column(String(64))  # the bank side: sender or recipient
    department_id: Mapped[int | None] = mapped_column(Integer)  # the RM's, when indexed
    direction: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(24))
    # "group:<chat id>" or "single:<rm>:<customer>"; NULL for moments and mass messages.
    conversation: Mapped[str | None] = mapped_column(String(200))
    words: Mapped[str | None] = mapped_column(SearchVector)  # PostgreSQL only


class ArchiveSearchFact(Base):
    """One customer, group, hit category or hit term of an indexed message."""

    __tablename__ = "archive_search_fact"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


def include_object(object_, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object`` filter: skip the FTS5 table and its shadow tables, which
    the migration creates on SQLite and no model describes."""
    return not (type_ == "table" and reflected and compare_to is None and _is_fts(name))


def _is_fts(name: str | None) -> bool:
    return bool(name) and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
