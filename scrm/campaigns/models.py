"""Segments (客户分群) and mass campaigns (客户群发): who, what, and what became of each one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow

# Campaign states.
DRAFT = "draft"
BLOCKED = "blocked"  # the compliance gate refused the content; nothing went to WeCom
AWAITING_CONFIRMATION = "awaiting_confirmation"  # warned: the sender must confirm with a reason
SENDING = "sending"  # queued in the outbox / WeCom holds the tasks; RMs confirm them
FINISHED = "finished"  # every RM confirmed (or WeCom refused their task)
CANCELLED = "cancelled"  # cancel_groupmsg_send: unconfirmed parts will never go
OPEN_STATES = (SENDING,)

# Chat types, as WeCom names them.
SINGLE = "single"  # 1v1 to customers
GROUP = "group"  # to customer groups

# Sender (one RM's part) states.
SENDER_QUEUED = "queued"  # in the outbox; no msgid yet
SENDER_WAITING = "waiting"  # WeCom holds the task; the RM has not confirmed
SENDER_CONFIRMED = "confirmed"
SENDER_FAILED = "failed"  # WeCom refused the task (dead-lettered)
SENDER_CANCELLED = "cancelled"

# Recipient states.
QUEUED = "queued"
EXCLUDED = "excluded"  # left out before sending; ``reason`` says why
SENT = "sent"
UNSENT = "unsent"  # the RM confirmed but WeCom did not send it (or the task failed)
NOT_FRIEND = "not_friend"  # WeCom status 2 / fail_list: no longer the RM's customer
DAILY_LIMIT = "daily_limit"  # WeCom status 3: already got a mass message that day
CANCELLED_RECIPIENT = "cancelled"
RECIPIENT_STATES = (QUEUED, EXCLUDED, SENT, UNSENT, NOT_FRIEND, DAILY_LIMIT, CANCELLED_RECIPIENT)

# Reasons for excluding a recipient before sending.
REASON_DAILY_LIMIT = "daily_limit"  # got a mass message today already (our archive)
REASON_ARCHIVE_DISAGREED = "archive_disagreed"  # refused 会话存档 (when the bank requires it)
# … and for what WeCom reported afterwards.
REASON_WECOM_NOT_FRIEND = "wecom_not_friend"  # status 2, or in add_msg_template's fail_list
REASON_WECOM_DAILY_LIMIT = "wecom_daily_limit"  # status 3: WeCom's word is final
REASON_WECOM_UNSENT = "wecom_unsent"  # confirmed, yet WeCom did not send it
REASON_TASK_FAILED = "task_failed"  # WeCom refused to create the RM's task
REASON_CANCELLED = "cancelled"  # the campaign was cancelled before the RM confirmed
REASON_WORDS = {
    REASON_DAILY_LIMIT: "already received a mass message today (one per customer per day)",
    REASON_ARCHIVE_DISAGREED: "refused the conversation archive (会话存档); the bank requires it",
    REASON_WECOM_NOT_FRIEND: "no longer the RM's customer (WeCom: not a friend)",
    REASON_WECOM_DAILY_LIMIT: "WeCom skipped it: already received a mass message that day",
    REASON_WECOM_UNSENT: "the RM confirmed, but WeCom did not send it",
    REASON_TASK_FAILED: "WeCom refused to create the RM's mass-message task",
    REASON_CANCELLED: "the campaign was cancelled before the RM confirmed",
}


class Segment(Base):
    """A saved set of customers: filters as JSON (see :mod:`scrm.campaigns.filters`)."""

    __tablename__ = "segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner_userid: Mapped[str] = mapped_column(String(64), index=True)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MassCampaign(Base):
    """A mass message to a segment (1v1) or to customer groups, one WeCom task per RM."""

    __tablename__ = "mass_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    chat_type: Mapped[str] = mapped_column(String(8))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segment.id"), index=True)
    chat_ids: Mapped[list] = mapped_column(JSON, default=list)  # group campaigns
    text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(24), default=DRAFT, index=True)
    note: Mapped[str | None] = mapped_column(Text)  # the gate's words, or why it stopped
    created_by: Mapped[str] = mapped_column(String(64))
    confirm_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    segment: Mapped[Segment | None] = relationship()
    senders: Mapped[list[CampaignSender]] = relationship(
        back_populates="campaign", order_by="CampaignSender.staff_userid"
    )


class CampaignSender(Base):
    """One RM's part of a campaign: their WeCom task (msgid), confirmation and reminders."""

    __tablename__ = "mass_campaign_sender"
    __table_args__ = (UniqueConstraint("campaign_id", "staff_userid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("mass_campaign.id"), index=True)
    staff_userid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=SENDER_QUEUED)
    archived_message_id: Mapped[int | None] = mapped_column(Integer)
    delivery_id: Mapped[int | None] = mapped_column(Integer)
    msgid: Mapped[str | None] = mapped_column(String(128))
    send_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When WeCom was asked to remind this RM (remind_groupmsg_send), for 3 per 24 hours.
    reminded_at: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[MassCampaign] = relationship(back_populates="senders")


class CampaignRecipient(Base):
    """One customer (external_userid) or customer group (chat_id) of a campaign."""

    __tablename__ = "mass_campaign_recipient"
    __table_args__ = (UniqueConstraint("campaign_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("mass_campaign.id"), index=True)
    staff_userid: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    reason: Mapped[str | None] = mapped_column(String(200))
    send_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
