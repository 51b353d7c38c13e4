"""SOP templates, their assignment to customer groups, group role holders and SOP tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup

# Assignment states.
ACTIVE = "active"
PAUSED = "paused"
STOPPED = "stopped"  # unassigned, or the group was dismissed; history is kept

# Step modes.
AUTO = "auto"  # a group mass message in the owner's name; the owner confirms in WeCom
TODO = "todo"  # a to-do for the role holder, done by sending from the sidebar
CHECKIN = "checkin"  # opens a check-in (群打卡) with a keyword and a window
MODES = (AUTO, TODO, CHECKIN)

# Task states.
TASK_PENDING = "pending"  # created; a to-do waiting for its holder, or auto waiting to go
TASK_QUEUED = "queued"  # passed the gate; the outbox delivers it to WeCom
TASK_AWAITING_OWNER = "awaiting_owner"  # WeCom holds the mass message; the owner must confirm
TASK_DONE = "done"  # done on time
TASK_LATE = "late"  # done, after its grace window
TASK_MISSED = "missed"  # never done (owner did not confirm, or the holder did not send)
TASK_BLOCKED = "blocked"  # the compliance gate refused the content; the holder is told why
TASK_SKIPPED = "skipped"  # due while the worker was down past the grace window (policy: skip)
TASK_CONFLICT = "conflict"  # WeCom's one-mass-message-per-group-per-day limit was taken
TASK_CANCELLED = "cancelled"  # the group was dismissed or the SOP stopped before it was due
TASK_STATES = (
    TASK_PENDING,
    TASK_QUEUED,
    TASK_AWAITING_OWNER,
    TASK_DONE,
    TASK_LATE,
    TASK_MISSED,
    TASK_BLOCKED,
    TASK_SKIPPED,
    TASK_CONFLICT,
    TASK_CANCELLED,
)


class SopTemplate(Base):
    """One published version of an SOP template. HQ templates have no branch; a branch variant
    points at the template it was derived from (``parent``), whose locked steps it keeps."""

    __tablename__ = "sop_template"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))  # stable slug, e.g. new_customer_welcome
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(128))
    roles: Mapped[list] = mapped_column(JSON)  # the group roles its steps use
    steps: Mapped[list] = mapped_column(JSON)  # validated, normalised steps (see templates)
    locked_steps: Mapped[list] = mapped_column(JSON, default=list)  # keys HQ locked
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sop_template.id"))
    branch_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    source_file: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(64))

    parent: Mapped[SopTemplate | None] = relationship(remote_side=[id])


class SopAssignment(Base):
    """A template version running for one customer group from ``start_date``."""

    __tablename__ = "sop_assignment"
    # One SOP at a time per group (active or paused); stopped ones are history.
    __table_args__ = (
        Index(
            "uq_sop_assignment_running_group",
            "group_id",
            unique=True,
            sqlite_where=text("status != 'stopped'"),
            postgresql_where=text("status != 'stopped'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("sop_template.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    # The clock has created every task due up to here (its high-water mark for this group).
    scheduled_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stop_reason: Mapped[str | None] = mapped_column(String(255))
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[CustomerGroup] = relationship()
    template: Mapped[SopTemplate] = relationship()


class GroupRoleHolder(Base):
    """Who plays a role (群主, 理财经理, 助理, 客服, 产品经理 …) in one customer group."""

    __tablename__ = "group_role_holder"
    __table_args__ = (UniqueConstraint("group_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship()


class SopTask(Base):
    """One occurrence of one step for one group. Unique per (group, step, occurrence), so a
    double firing, two workers, a restart or a catch-up never creates it twice."""

    __tablename__ = "sop_task"
    __table_args__ = (UniqueConstraint("group_id", "step_key", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("sop_assignment.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(128))  # "<template name>/<step id>"
    occurrence: Mapped[str] = mapped_column(String(32))  # local due time, "2026-11-23T08:30"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    mode: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=TASK_PENDING, index=True)
    note: Mapped[str | None] = mapped_column(Text)  # why blocked / skipped / conflict / missed
    archived_message_id: Mapped[int | None] = mapped_column(Integer)
    delivery_id: Mapped[int | None] = mapped_column(Integer)
    wecom_msgid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[SopAssignment] = relationship()
    assignee: Mapped[Staff | None] = relationship()
