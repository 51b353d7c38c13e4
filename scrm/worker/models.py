"""The clock leader lease (exactly one worker runs APScheduler at a time), and the priorities
of queue rows (the inbox, the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime

#: Queue row priorities: claims take the smallest first, then the oldest due.
TIME_CRITICAL = 0  # must reach WeCom within seconds: a welcome message (欢迎语) lives 20 s
ORDINARY = 1


class WorkerLease(Base):
    """A named lease held by one worker until ``expires_at``; renewed while it lives."""

    __tablename__ = "worker_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
