"""Handovers of customers and groups between RMs: 在职转接 (an RM still at the bank hands some
or all of their customers to a colleague) and 离职继承 (the customers and groups of an RM who
left are inherited by another).

A handover is one decision (who, to whom, why); each customer and group in it is one plan row,
unique per handover, so re-running a job never asks WeCom twice for the same customer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff

ONJOB = "onjob"  # 在职转接
RESIGNED = "resigned"  # 离职继承
KINDS = (ONJOB, RESIGNED)

# Handover states.
NEEDS_TAKEOVER = "needs_takeover"  # a member left; the branch lead has not chosen a takeover
OPEN = "open"  # started or about to start; rows still waiting
CLOSED = "closed"  # every row is final

# Customer plan row states.
PLANNED = "planned"  # not asked of WeCom yet
WAITING = "waiting"  # WeCom started it; completes 24 h later unless the customer refuses
INHERITED = "inherited"
REFUSED_BY_CUSTOMER = "refused"  # transfer_result 3 / transfer_fail customer_refused
TAKEOVER_AT_LIMIT = "takeover_at_limit"  # 4 / customer_limit_exceed
REFUSED_BY_WECOM = "refused_by_wecom"  # transfer_customer answered an errcode for it
CANCELLED = "cancelled"  # left the plan (e.g. no longer the RM's customer)
FINAL = frozenset({INHERITED, REFUSED_BY_CUSTOMER, TAKEOVER_AT_LIMIT, REFUSED_BY_WECOM, CANCELLED})

# Group plan row states.
GROUP_PLANNED = "planned"
GROUP_MOVED = "moved"  # WeCom accepted the new owner
GROUP_FAILED = "failed"


class Handover(Base):
    """One decision to hand an RM's customers (and groups) to another RM."""

    __tablename__ = "custody_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    handover_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    takeover_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    include_groups: Mapped[bool] = mapped_column(default=True)
    # What WeCom shows the customer when an on-job handover completes (≤200 characters); it
    # passed the compliance gate and is archived there (archived_message_id).
    success_msg: Mapped[str | None] = mapped_column(String(200))
    archived_message_id: Mapped[int | None] = mapped_column(Integer)
    requested_by: Mapped[str | None] = mapped_column(String(64))  # the lead's userid
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A form posted twice creates one handover.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    handover_staff: Mapped[Staff] = relationship(foreign_keys=[handover_staff_id])
    takeover_staff: Mapped[Staff | None] = relationship(foreign_keys=[takeover_staff_id])
    customers: Mapped[list[HandoverCustomer]] = relationship(
        back_populates="handover", order_by="HandoverCustomer.id"
    )
    groups: Mapped[list[HandoverGroup]] = relationship(
        back_populates="handover", order_by="HandoverGroup.id"
    )


class HandoverCustomer(Base):
    """One customer in a handover and what became of them."""

    __tablename__ = "custody_handover_customer"
    __table_args__ = (UniqueConstraint("handover_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("custody_handover.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    external_userid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24), default=PLANNED, index=True)
    errcode: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    handover: Mapped[Handover] = relationship(back_populates="customers")


class HandoverGroup(Base):
    """One customer group in a handover: its new owner, or why WeCom refused."""

    __tablename__ = "custody_handover_group"
    __table_args__ = (UniqueConstraint("handover_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("custody_handover.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id"), index=True)
    chat_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=GROUP_PLANNED)
    errcode: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    moved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    handover: Mapped[Handover] = relationship(back_populates="groups")
