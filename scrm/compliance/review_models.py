"""Review cases (复核): an archived message a compliance officer must look at. Review state
lives here, beside the append-only archive, never in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime

OPEN = "open"


class ReviewCase(Base):
    """One case per archived message, opened by its block/warn hits."""

    __tablename__ = "review_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    archived_message_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("archived_message.id"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    categories: Mapped[list] = mapped_column(JSON)  # the categories of the hits, sorted
    highest_action: Mapped[str] = mapped_column(String(8))  # block | warn | flag
