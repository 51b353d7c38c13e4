"""The clock leader lease: exactly one worker runs APScheduler at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime


class WorkerLease(Base):
    """A named lease held by one worker until ``expires_at``; renewed while it lives."""

    __tablename__ = "worker_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
