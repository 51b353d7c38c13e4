"""One RM's numbers per local day: the dashboards' own rollup (客户经理日指标).

The group columns are the RM's groups' ``group_daily_metric`` rows summed (the SOP metrics job
computes those); the rest come from follows, moments, follow-ups and the archive. A dashboard
over 10,000 groups × 30 days then reads one row per RM and day, not one per group and day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime, utcnow


class RmDailyMetric(Base):
    """One member of staff's numbers for one day (Asia/Shanghai).

    ``department_id`` is the sub-branch the RM worked in that day, so an RM who moves keeps
    their history where it was. ``response_minutes`` is a histogram of reply times (bucket
    minute → count, see :mod:`scrm.dashboards.response_times`), so medians and p90s can be
    taken over any set of rows.
    """

    __tablename__ = "rm_daily_metric"
    __table_args__ = (
        UniqueConstraint("staff_id", "day"),
        Index("ix_rm_daily_metric_department_day", "department_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # Customers (客户): active follows at the end of the day, and the day's gains and losses.
    customers: Mapped[int] = mapped_column(Integer, default=0)
    new_customers: Mapped[int] = mapped_column(Integer, default=0)
    lost_customers: Mapped[int] = mapped_column(Integer, default=0)
    # Customer groups (客户群) owned that day, from group_daily_metric.
    groups: Mapped[int] = mapped_column(Integer, default=0)
    active_groups: Mapped[int] = mapped_column(Integer, default=0)  # messages or speakers
    members: Mapped[int] = mapped_column(Integer, default=0)
    joins: Mapped[int] = mapped_column(Integer, default=0)
    leaves: Mapped[int] = mapped_column(Integer, default=0)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    sop_due: Mapped[int] = mapped_column(Integer, default=0)
    sop_on_time: Mapped[int] = mapped_column(Integer, default=0)
    sop_late: Mapped[int] = mapped_column(Integer, default=0)
    sop_missed: Mapped[int] = mapped_column(Integer, default=0)
    checkins: Mapped[int] = mapped_column(Integer, default=0)
    # Moments (朋友圈): central posts published, likes and comments on the RM's copies.
    moments_published: Mapped[int] = mapped_column(Integer, default=0)
    moment_likes: Mapped[int] = mapped_column(Integer, default=0)
    moment_comments: Mapped[int] = mapped_column(Integer, default=0)
    # 1v1 follow-ups of commenters opened and done.
    follow_ups_opened: Mapped[int] = mapped_column(Integer, default=0)
    follow_ups_done: Mapped[int] = mapped_column(Integer, default=0)
    # Replies to customers in 1v1 chats (from the conversation archive).
    responses: Mapped[int] = mapped_column(Integer, default=0)
    response_minutes: Mapped[dict] = mapped_column(JSON, default=dict)
    # What the RM sent (archived), and how many of those had compliance hits.
    sent_messages: Mapped[int] = mapped_column(Integer, default=0)
    hit_messages: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
