"""Check-ins (群打卡): a window in which members post a keyword in the group, and who did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow

CHECKIN_OPEN = "open"
CHECKIN_CLOSED = "closed"


class CheckIn(Base):
    """One check-in opened by a ``checkin`` SOP task: members who post ``keyword`` in the group
    between ``opens_at`` and ``closes_at`` are counted (read from the conversation archive)."""

    __tablename__ = "checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("sop_task.id"), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id"), index=True)
    keyword: Mapped[str] = mapped_column(String(32))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CHECKIN_OPEN, index=True)
    # The summary posted to the group through the gate when the window closed, if any.
    summary_archived_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    records: Mapped[list[CheckInRecord]] = relationship(back_populates="checkin")


class CheckInRecord(Base):
    """One member's check-in: the first archived message in the window carrying the keyword."""

    __tablename__ = "checkin_record"
    __table_args__ = (UniqueConstraint("checkin_id", "member_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id"), index=True)
    member_userid: Mapped[str] = mapped_column(String(64), index=True)
    archived_message_id: Mapped[int] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    checkin: Mapped[CheckIn] = relationship(back_populates="records")
