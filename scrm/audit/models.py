"""The access-audit log: one append-only row per search, view or export of archived content,
and per refused, locked or unlocked local console sign-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime

SEARCH = "search"  # a search of the archive (what: the query and filters)
VIEW = "view"  # archived messages shown (what: their ids)
EXPORT = "export"  # archived content exported (a reason is required)
READS = (SEARCH, VIEW, EXPORT)
# Local console sign-in (本地管理员账号): the account's member of staff, or none for a username
# no account has (what: username, reason, address; who unlocked).
LOGIN_FAILED = "login_failed"  # a refused password sign-in
ACCOUNT_LOCKED = "account_locked"  # LOGIN_MAX_FAILURES wrong passwords in a row
ACCOUNT_UNLOCKED = "account_unlocked"  # scrm unlock-admin
SIGN_IN_EVENTS = (LOGIN_FAILED, ACCOUNT_LOCKED, ACCOUNT_UNLOCKED)
ACTIONS = READS + SIGN_IN_EVENTS


class AccessAudit(Base):
    """Who read archived content, what, when and why. Database triggers refuse UPDATE and
    DELETE, so a reader cannot erase the trace of their own reading."""

    __tablename__ = "access_audit"
    __table_args__ = (Index("ix_access_audit_staff_at", "staff_userid", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    staff_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: outlives the staff row
    staff_userid: Mapped[str] = mapped_column(String(64))  # "" for an unknown username
    action: Mapped[str] = mapped_column(String(16))
    # {"query": …, "filters": …}, {"message_ids": …}, or {"username": …, "reason": …, …}
    what: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)  # why: optional to view, required to export
    result_count: Mapped[int] = mapped_column(Integer, default=0)
