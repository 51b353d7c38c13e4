"""The ``web_session`` table: one row per sign-in from a browser (sidebar or console)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime

# Why a session ended (``revoked_reason``); the sign-in page shows each in words.
SIGNED_OUT = "signed_out"  # the person signed out in this browser
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"  # … or in another, ending all of theirs
IDLE = "idle"  # no request for SESSION_IDLE_SECONDS
EXPIRED = "expired"  # older than PERMANENT_SESSION_LIFETIME, however active
ACCOUNT_DISABLED = "account_disabled"  # scrm disable-admin
PASSWORD_CHANGED = "password_changed"  # scrm set-admin-password
ROLE_REVOKED = "role_revoked"  # scrm revoke-role (or any revoke_role)
STAFF_LEFT = "staff_left"  # removed from WeCom's directory, or status 5 (已退出企业)
REASONS = (
    SIGNED_OUT,
    SIGNED_OUT_EVERYWHERE,
    IDLE,
    EXPIRED,
    ACCOUNT_DISABLED,
    PASSWORD_CHANGED,
    ROLE_REVOKED,
    STAFF_LEFT,
)


class WebSession(Base):
    """A sign-in. The cookie carries a random id; only its sha256 is stored, so reading this
    table yields no cookie that works."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # The local console account signed in with (scrm create-admin); None for WeCom sign-in.
    console_account_id: Mapped[int | None] = mapped_column(ForeignKey("console_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Noted at most once a minute (SEEN_EVERY), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))  # one of REASONS
