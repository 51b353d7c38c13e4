"""The sidebar's script library (话术库) and product materials (素材), the branch addresses that
fill {网点地址}, and each checked-send attempt (so a double tap is archived once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime, utcnow

#: Material kinds: a picture, a web link (图文), a mini-program card (小程序), a document.
MATERIAL_KINDS = ("image", "link", "miniprogram", "file")


class SidebarScript(Base):
    """One ready-to-send script (话术) in a category, written by HQ ops.

    The body may carry the variables {称呼} {产品名称} {网点地址} {客户经理}; ``product_name``
    fills {产品名称}. ``search_tokens`` holds the jieba words of title + body, folded
    (traditional → simplified, full-width → half-width) the way queries are.
    """

    __tablename__ = "sidebar_script"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # stable id for YAML imports
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    product_name: Mapped[str | None] = mapped_column(String(64))
    material_key: Mapped[str | None] = mapped_column(String(64))  # sent beside the text
    order: Mapped[int] = mapped_column(Integer, default=0)
    search_tokens: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SidebarMaterial(Base):
    """A product material HQ ops manage: an image, a link, a mini-program card or a document.

    ``content`` is the shape the JS-SDK's sendChatMessage takes for the kind: image/file
    ``{"mediaid"}``, link ``{"link", "title", "desc", "imgUrl"}``, miniprogram
    ``{"appid", "title", "imgUrl", "page"}``; a file may instead give ``{"url"}`` to open.
    """

    __tablename__ = "sidebar_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BranchAddress(Base):
    """The address of a branch or sub-branch (网点地址) that fills {网点地址} for its staff."""

    __tablename__ = "sidebar_branch_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SendAttempt(Base):
    """One tap on send in the sidebar: the page's attempt key and the gate's answer.

    Unique per (staff, attempt key, stage): ``first`` is the tap, ``confirmed`` the re-submit
    with a reason after a warning. A double tap finds the row and gets the same answer, so the
    gate archives the attempt once.
    """

    __tablename__ = "sidebar_send_attempt"
    __table_args__ = (UniqueConstraint("staff_id", "attempt_key", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    attempt_key: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    archived_message_id: Mapped[int | None] = mapped_column(Integer)  # set once the gate answered
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
