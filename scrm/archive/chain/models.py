"""The archive tables: the append-only message chain and the head it has reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime

OUTBOUND = "outbound"
INBOUND = "inbound"
DIRECTIONS = (OUTBOUND, INBOUND)

#: What became of an outbound attempt (ingested messages were sent already).
BLOCKED = "blocked"  # refused by the gate; nothing left the bank
AWAITING_CONFIRMATION = "awaiting_confirmation"  # warn: the sender has not confirmed yet
RELEASED = "released"  # handed to the outbox (or to the RM's client for sidebar sends)
INGESTED = "ingested"  # read back from WeCom's conversation archive (会话内容存档)
OUTCOMES = (BLOCKED, AWAITING_CONFIRMATION, RELEASED, INGESTED)


class ArchivedMessage(Base):
    """One archived message. Append-only: database triggers refuse UPDATE and DELETE.

    ``id`` is assigned by the chain (previous id + 1, never by a sequence), so ids have no
    holes unless a row was deleted; ``content_hash`` is the sha256 of the canonical JSON of
    every content field and ``prev_hash`` (see :mod:`scrm.archive.chain.hashing`).
    """

    __tablename__ = "archived_message"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    direction: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(8))
    origin: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(64), index=True)  # staff userid
    recipients: Mapped[list] = mapped_column(JSON)  # external_userids
    chat_ids: Mapped[list] = mapped_column(JSON)  # customer groups
    msgtype: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(8))  # block | warn | pass
    outcome: Mapped[str] = mapped_column(String(24))
    hits: Mapped[list] = mapped_column(JSON)
    lexicon_version: Mapped[str | None] = mapped_column(String(64))
    confirmed_reason: Mapped[str | None] = mapped_column(Text)  # why the sender sent a warn
    attempted_by: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    wecom_msgid: Mapped[str | None] = mapped_column(String(128), unique=True)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # WeCom's msgtime (ingest)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))


class ArchiveHead(Base):
    """The last link written (one row, id 1), moved by every append in the same transaction.

    Two uses: on SQLite its upsert is the first write of an append, which takes the database
    write lock before the last hash is read; and ``verify`` compares it with the chain's tail,
    so cutting rows off the end is caught (unless the attacker also rewrites this row: record
    the printed head somewhere else and pass it back with ``--witness``).
    """

    __tablename__ = "archive_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
