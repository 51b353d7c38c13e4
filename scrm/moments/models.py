"""Moments posts (客户朋友圈): HQ's central slots 1 and 2 of a day, each RM's own slot 3, and who
of the RMs published them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff

# Post states.
POST_BLOCKED = "blocked"  # the compliance gate refused it; nothing went to WeCom
POST_AWAITING_CONFIRMATION = "awaiting_confirmation"  # warned: HQ must confirm with a reason
POST_QUEUED = "queued"  # passed the gate; the outbox creates the WeCom moment task
POST_PUBLISHING = "publishing"  # WeCom holds the task (moment_id known); RMs publish it
POST_CANCELLING = "cancelling"  # cancelled in scrm; WeCom's task is stopped once its id is known
POST_CANCELLED = "cancelled"

OWN_SLOT = 3  # the RM's own post (sidebar): one per RM per day

#: Why WeCom did not give an RM the publish task (get_moment_task_result invalid_sender_list).
INVALID_OUTSIDE_RANGE = "outside the app's visible range"


class MomentPost(Base):
    """A moments post for one day: HQ's slot 1 or 2 for a range of RMs, or an RM's own slot 3."""

    __tablename__ = "moment_post"
    # HQ's two posts of a day are one each; slot 3 (the RM's own) is one per RM per day.
    __table_args__ = (
        Index(
            "uq_moment_post_central_slot",
            "day",
            "slot",
            unique=True,
            sqlite_where=text("slot <= 2"),
            postgresql_where=text("slot <= 2"),
        ),
        Index(
            "uq_moment_post_own_slot",
            "day",
            "slot",
            "created_by",
            unique=True,
            sqlite_where=text("slot = 3"),
            postgresql_where=text("slot = 3"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[int] = mapped_column(Integer)  # 1 or 2: HQ's; 3 is the RM's own (sidebar)
    text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # Who should publish it: the resolved staff userids, and how they were picked.
    sender_userids: Mapped[list] = mapped_column(JSON, default=list)
    target: Mapped[dict] = mapped_column(JSON, default=dict)  # {"branch": id} | {"tag": …} …
    customer_tag_ids: Mapped[list] = mapped_column(JSON, default=list)  # visible to these only
    status: Mapped[str] = mapped_column(String(24), index=True)
    note: Mapped[str | None] = mapped_column(Text)  # why blocked / what the gate said
    archived_message_id: Mapped[int | None] = mapped_column(Integer)
    delivery_id: Mapped[int | None] = mapped_column(Integer)
    moment_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What WeCom left out when it created the task (get_moment_task_result), once known.
    invalid_sender_userids: Mapped[list | None] = mapped_column(JSON)
    invalid_customer_tag_ids: Mapped[list | None] = mapped_column(JSON)
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    publications: Mapped[list[MomentPublication]] = relationship(back_populates="post")


class MomentPublication(Base):
    """Whether one RM has published one central post in WeCom, and the reminders sent."""

    __tablename__ = "moment_publication"
    __table_args__ = (UniqueConstraint("post_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("moment_post.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    published: Mapped[bool] = mapped_column(default=False)
    published_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when WeCom did not give this RM the task: never reminded, shown with the reason.
    invalid_reason: Mapped[str | None] = mapped_column(String(64))

    post: Mapped[MomentPost] = relationship(back_populates="publications")
    staff: Mapped[Staff] = relationship()


INTERACTION_LIKE = "like"
INTERACTION_COMMENT = "comment"

FOLLOW_UP_OPEN = "open"
FOLLOW_UP_DONE = "done"  # the RM messaged the customer (seen in the archive) or marked it


class MomentInteraction(Base):
    """A like or comment on a moment, as WeCom reports it (no comment text: WeCom gives none)."""

    __tablename__ = "moment_interaction"
    __table_args__ = (
        UniqueConstraint("moment_id", "staff_userid", "external_userid", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("moment_post.id"), index=True)
    moment_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_userid: Mapped[str] = mapped_column(String(64))  # whose published copy
    external_userid: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MomentFollowUp(Base):
    """A 1v1 follow-up to-do: the RM contacts a customer who commented on their moment."""

    __tablename__ = "moment_follow_up"
    __table_args__ = (UniqueConstraint("moment_id", "staff_id", "external_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    moment_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    external_userid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=FOLLOW_UP_OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_how: Mapped[str | None] = mapped_column(String(32))  # messaged | marked
    archived_message_id: Mapped[int | None] = mapped_column(Integer)
