"""Acquisition (获客): channel QR codes (渠道活码), who came through which channel, and the
bulk-add tasks (批量加好友) imported from a list of phone numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.customers.models import Customer
from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff

#: Channel kinds: one RM's own code, a branch's code, a campaign's code.
CHANNEL_KINDS = ("rm", "branch", "campaign")
CHANNEL_ACTIVE = "active"
CHANNEL_ARCHIVED = "archived"

# What became of the welcome message (欢迎语) of one attributed add.
WELCOME_QUEUED = "welcome_queued"  # passed the gate; the outbox sends it
WELCOME_SENT = "welcome_sent"
WELCOME_EXPIRED = "welcome_expired"  # WeCom answered 41051: code used or past its 20 s
WELCOME_UNVERIFIED = "welcome_unverified"  # resent after a crash and refused with 41051
WELCOME_FAILED = "welcome_failed"  # the outbox gave up for another reason
WELCOME_BLOCKED = "welcome_blocked"  # the gate refused the text; the channel owner was told
NO_WELCOME = "no_welcome"  # no text for this channel and no default
NO_WELCOME_CODE = "no_welcome_code"  # WeCom gave no code (e.g. a welcome set in the admin)

# Bulk-add task states.
TASK_PENDING = "pending"
TASK_ADDED = "added"


class AcquisitionChannel(Base):
    """A channel QR code (渠道活码): whom it adds, what they are greeted with, what they get."""

    __tablename__ = "acquisition_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    # WeCom's state (≤30 characters), e.g. "ch-12-spring": how an add names its channel.
    state: Mapped[str] = mapped_column(String(30), unique=True)
    userids: Mapped[list[str]] = mapped_column(JSON, default=list)  # the RMs it adds
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    welcome_text: Mapped[str | None] = mapped_column(Text)
    welcome_attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Why a warned welcome text may go anyway (given at save time by the channel's owner).
    welcome_confirm_reason: Mapped[str | None] = mapped_column(String(200))
    tag_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # corp tag ids to put on
    group_chat_id: Mapped[str | None] = mapped_column(String(64))  # the group to invite to
    join_config_id: Mapped[str | None] = mapped_column(String(64))
    join_qr_code: Mapped[str | None] = mapped_column(String(512))
    skip_verify: Mapped[bool] = mapped_column(Boolean, default=True)
    config_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    qr_code: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default=CHANNEL_ACTIVE, index=True)
    created_by: Mapped[str] = mapped_column(String(64))  # the owner told of blocked welcomes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChannelAttribution(Base):
    """One customer added through one channel state to one RM, recorded once.

    ``channel_id`` is empty for a state no channel of ours carries ("unknown channel"): the
    raw state is kept, not dropped.
    """

    __tablename__ = "channel_attribution"
    __table_args__ = (UniqueConstraint("customer_id", "staff_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("acquisition_channel.id"), index=True)
    state: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    add_way: Mapped[int] = mapped_column(Integer, default=0)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="event")  # event | sync
    welcome_code: Mapped[str | None] = mapped_column(String(128))
    welcome_status: Mapped[str | None] = mapped_column(String(24), index=True)
    welcome_delivery_id: Mapped[int | None] = mapped_column(Integer)
    archived_message_id: Mapped[int | None] = mapped_column(Integer)
    tagged: Mapped[list[str]] = mapped_column(JSON, default=list)  # tag ids put on
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[AcquisitionChannel | None] = relationship()
    customer: Mapped[Customer] = relationship()
    staff: Mapped[Staff] = relationship()


class AddImport(Base):
    """One bulk-add file imported (批量加好友导入)."""

    __tablename__ = "add_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(64))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AddTask(Base):
    """One customer an RM is to add by phone. The number is kept only as its sha256 (to match),
    its masked form (to show), and sealed with AES-GCM under the app's key (for the RM's own
    task list); see :mod:`scrm.acquisition.sealing`."""

    __tablename__ = "add_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("add_import.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    mobile_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mobile_masked: Mapped[str] = mapped_column(String(16))
    mobile_sealed: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(64), default="")
    cif_no: Mapped[str | None] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default=TASK_PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(24))  # remark_mobile | cif_binding
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    # A bank customer whose mobile_sha256 matches; recorded only, never bound (H3's binding).
    matched_bank_customer_id: Mapped[int | None] = mapped_column(ForeignKey("bank_customer.id"))

    staff: Mapped[Staff] = relationship()
