"""The outbox: one row per message the bank has decided to send through WeCom."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime, utcnow
from scrm.worker.models import ORDINARY

QUEUED = "queued"  # waiting for a worker (first time, or after a refused attempt)
SENDING = "sending"  # a send may have reached WeCom: the next worker looks for evidence first
SENT = "sent"
DEAD = "dead"  # dead-lettered: kept and visible; `scrm outbox retry-dead` requeues it
STATUSES = (QUEUED, SENDING, SENT, DEAD)


class Delivery(Base):
    """An outbound delivery. ``idempotency_key`` is chosen by the caller (the gate), so the
    same decision enqueued twice is one row and one send.

    ``sending_started_at`` is set when the first send that may have reached WeCom began and
    is cleared when WeCom definitely refused it: while set, a send may have happened, and the
    evidence search covers the time since then.

    ``priority``: welcome messages are ``TIME_CRITICAL`` (their code lives 20 s), everything
    else ``ORDINARY``; claims take the smallest first.
    """

    __tablename__ = "outbound_delivery"
    __table_args__ = (Index("ix_outbound_delivery_due", "status", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The archive row recording what was decided; the archive itself is append-only.
    archived_message_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("archived_message.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    priority: Mapped[int] = mapped_column(SmallInteger, default=ORDINARY, server_default="1")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sending_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # msgid (mass message, app message), jobid or moment_id (moment), "welcome:<code>".
    wecom_ref: Mapped[str | None] = mapped_column(String(128))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
