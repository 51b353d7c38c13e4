"""Bookkeeping of the conversation-archive ingest: how far it has read, and the seqs WeCom
never handed over. Kept beside the archive, never in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime


class ArchiveCursor(Base):
    """The last seq ingested from one source; moved in the same transaction as the rows."""

    __tablename__ = "archive_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArchiveGap(Base):
    """Seqs ``from_seq``..``to_seq`` (inclusive) were skipped by WeCom: expired before we
    pulled them, or never archived. Each one is an alert for compliance."""

    __tablename__ = "archive_gap"

    id: Mapped[int] = mapped_column(primary_key=True)
    cursor_name: Mapped[str] = mapped_column(String(64))
    from_seq: Mapped[int] = mapped_column(BigInteger)
    to_seq: Mapped[int] = mapped_column(BigInteger)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
