"""The inbox: one row per distinct WeCom callback event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime, utcnow
from scrm.worker.models import ORDINARY

RECEIVED = "received"
APPLIED = "applied"
IGNORED = "ignored"  # stored and logged, no handler (e.g. plain app messages)
FAILED = "failed"  # handler failed INBOX_MAX_ATTEMPTS times; needs a person


class InboundEvent(Base):
    """A decrypted callback event. ``dedupe_key`` is the sha256 of the plaintext, so WeCom's
    retries and duplicate deliveries of the same event map to the same row.

    ``priority`` is set when the event is received: an add that carries a welcome code is
    ``TIME_CRITICAL`` (the code lives 20 s), everything else ``ORDINARY``; claims take the
    smallest first (see :mod:`scrm.worker.claims`)."""

    __tablename__ = "inbound_event"
    __table_args__ = (Index("ix_inbound_event_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    change_type: Mapped[str | None] = mapped_column(String(64))
    wecom_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=RECEIVED)
    priority: Mapped[int] = mapped_column(SmallInteger, default=ORDINARY, server_default="1")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
