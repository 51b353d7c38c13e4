"""Customers (外部联系人), follow relations per RM, corp tag groups and tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff


class Customer(Base):
    """An external contact of the corp (a WeChat user, or a WeCom user of another corp)."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_userid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    avatar: Mapped[str | None] = mapped_column(String(512))
    # 1 WeChat user, 2 WeCom user.
    type: Mapped[int] = mapped_column(Integer, default=1)
    # 0 unknown, 1 male, 2 female.
    gender: Mapped[int] = mapped_column(Integer, default=0)
    unionid: Mapped[str | None] = mapped_column(String(64))
    corp_name: Mapped[str | None] = mapped_column(String(128))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when no RM follows the customer any more.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    follows: Mapped[list[Follow]] = relationship(back_populates="customer")


#: Follow relation states.
FOLLOW_ACTIVE = "active"
FOLLOW_HALF = "half"  # 半添加: the customer added the RM, the RM has not confirmed yet
FOLLOW_DELETED_BY_RM = "deleted_by_rm"
FOLLOW_DELETED_BY_CUSTOMER = "deleted_by_customer"
FOLLOW_TRANSFERRED = "transferred"
# A handover (transfer) to this RM that the customer refused or that hit WeCom's limit: the row
# records why; the RM never served the customer.
FOLLOW_TRANSFER_FAILED = "transfer_failed"


class Follow(Base):
    """The relation between one RM and one customer (follow_user), with the RM's notes."""

    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("customer_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    remark: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(300))
    remark_corp_name: Mapped[str | None] = mapped_column(String(64))
    add_way: Mapped[int] = mapped_column(Integer, default=0)
    # Channel code (渠道活码 state) the customer came through.
    state: Mapped[str | None] = mapped_column(String(64))
    oper_userid: Mapped[str | None] = mapped_column(String(64))
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(24), default=FOLLOW_ACTIVE)
    # Why a handover (transfer) to this RM failed: customer_refused / customer_limit_exceed.
    transfer_fail_reason: Mapped[str | None] = mapped_column(String(32))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="follows")
    staff: Mapped[Staff] = relationship()
    tags: Mapped[list[FollowTag]] = relationship(
        back_populates="follow", cascade="all, delete-orphan"
    )


class CorpTagGroup(Base):
    """A corp tag group (企业标签组)."""

    __tablename__ = "corp_tag_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    wecom_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tags: Mapped[list[CorpTag]] = relationship(back_populates="group")


class CorpTag(Base):
    """A corp tag (企业标签) inside a group."""

    __tablename__ = "corp_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    wecom_id: Mapped[str] = mapped_column(String(64), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("corp_tag_group.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    order: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[CorpTagGroup] = relationship(back_populates="tags")


class FollowTag(Base):
    """A tag an RM has put on a customer: a corp tag (type 1/3) or a personal tag (type 2)."""

    __tablename__ = "follow_tag"
    __table_args__ = (UniqueConstraint("follow_id", "tag_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follow.id", ondelete="CASCADE"))
    # The corp tag id for corp/rule tags; "personal:<group>/<name>" for personal tags.
    tag_key: Mapped[str] = mapped_column(String(160))
    corp_tag_id: Mapped[int | None] = mapped_column(ForeignKey("corp_tag.id"), index=True)
    type: Mapped[int] = mapped_column(Integer, default=1)
    group_name: Mapped[str | None] = mapped_column(String(64))
    tag_name: Mapped[str] = mapped_column(String(64))

    follow: Mapped[Follow] = relationship(back_populates="tags")
    corp_tag: Mapped[CorpTag | None] = relationship()
