"""Local console accounts (本地管理员账号): a username and password for the console when WeCom
sign-in is not available (first set-up, break-glass). Each signs in as a member of staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff


class ConsoleAccount(Base):
    """A local username/password that signs in as ``staff`` (the admin principal)."""

    __tablename__ = "console_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # werkzeug.security hash ("scrypt:…" or "pbkdf2:…"), never the password.
    password_hash: Mapped[str] = mapped_column(String(256))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled: Mapped[bool] = mapped_column(default=False)
    # Wrong passwords since the last right one; LOGIN_MAX_FAILURES of them lock the account
    # until ``scrm unlock-admin``.
    failed_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff] = relationship()
