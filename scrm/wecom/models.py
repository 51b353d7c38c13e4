"""WeCom access tokens and jsapi tickets, shared by every process through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime


class WeComToken(Base):
    """A cached credential keyed as wechatpy keys it (corp id + secret prefix + kind)."""

    __tablename__ = "wecom_token"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(1024))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
