"""Group-operation metrics per customer group per local day, rolled up by RM and branch."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime, utcnow

#: A group's numbers that add up over days: summed over a range (``active_speakers`` gives
#: speaker-days). Every list of group metric columns is made from this one.
GROUP_FLOWS = (
    "joins",
    "leaves",
    "active_speakers",
    "messages",
    "sop_due",
    "sop_on_time",
    "sop_late",
    "sop_missed",
    "checkins",
)
#: Every number a group's day row holds: ``members`` (at the end of the day), then the flows.
GROUP_COUNTS = ("members", *GROUP_FLOWS)


class GroupDailyMetric(Base):
    """One customer group's numbers for one day (Asia/Shanghai). ``owner_id`` and
    ``department_id`` are copied from the group on that day, so rollups by RM, sub-branch and
    branch are one indexed GROUP BY, even over 10,000 groups."""

    __tablename__ = "group_daily_metric"
    __table_args__ = (
        UniqueConstraint("group_id", "day"),
        Index("ix_group_daily_metric_department_day", "department_id", "day"),
        Index("ix_group_daily_metric_owner_day", "owner_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    members: Mapped[int] = mapped_column(Integer, default=0)  # at the end of the day
    joins: Mapped[int] = mapped_column(Integer, default=0)
    leaves: Mapped[int] = mapped_column(Integer, default=0)
    active_speakers: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    sop_due: Mapped[int] = mapped_column(Integer, default=0)
    sop_on_time: Mapped[int] = mapped_column(Integer, default=0)
    sop_late: Mapped[int] = mapped_column(Integer, default=0)
    sop_missed: Mapped[int] = mapped_column(Integer, default=0)
    checkins: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
