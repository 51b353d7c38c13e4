"""Customer groups (客户群) and members (staff and customers), mirrored from WeCom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff

GROUP_NORMAL = "normal"
GROUP_DISMISSED = "dismissed"

MEMBER_STAFF = "staff"  # WeCom type 1 (企业成员)
MEMBER_CUSTOMER = "customer"  # WeCom type 2 (外部联系人)


class CustomerGroup(Base):
    """A customer group (客户群) owned by a member of staff (群主)."""

    __tablename__ = "customer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    notice: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # WeCom's member_version: compared with an event's LastMemVer to apply changes in order.
    member_version: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=GROUP_NORMAL)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[Staff | None] = relationship()
    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class GroupMember(Base):
    """A member of a customer group; ``quit_at`` is set when they leave (kept for history)."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "member_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_group.id", ondelete="CASCADE"))
    # The staff userid or the customer's external_userid.
    member_userid: Mapped[str] = mapped_column(String(64), index=True)
    member_type: Mapped[str] = mapped_column(String(16))
    unionid: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(128))
    group_nickname: Mapped[str | None] = mapped_column(String(128))
    # 1 invited directly, 2 invited by link, 3 scanned the group QR code.
    join_scene: Mapped[int | None] = mapped_column(Integer)
    invitor_userid: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0 left by themselves, 1 removed by the owner or an admin.
    quit_scene: Mapped[int | None] = mapped_column(Integer)
    quit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[CustomerGroup] = relationship(back_populates="members")
