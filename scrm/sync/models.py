"""Progress of a full sync, so a run that fails half-way resumes where it stopped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime, utcnow

RUNNING = "running"
FAILED = "failed"
DONE = "done"


class SyncRun(Base):
    """One full sync. ``stage`` and ``checkpoint`` record the last finished step."""

    __tablename__ = "sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    stage: Mapped[str] = mapped_column(String(32), default="departments")
    # Stage-specific resume point, e.g. {"userids_done": [...], "cursor": "..."}.
    checkpoint: Mapped[dict] = mapped_column(JSON, default=dict)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
