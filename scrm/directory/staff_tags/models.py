"""Staff tags (通讯录标签), mirrored from WeCom: which members and departments carry each tag."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow
from scrm.directory.models import Staff


class StaffTag(Base):
    """A directory tag (通讯录标签) such as 理财经理 or 私行团队, used to pick staff by tag."""

    __tablename__ = "staff_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    tagid: Mapped[int] = mapped_column(Integer, unique=True)  # WeCom's tag id
    name: Mapped[str] = mapped_column(String(64))
    # Departments tagged as a whole (WeCom's partylist): their members carry the tag too.
    department_ids: Mapped[list] = mapped_column(JSON, default=list)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list[StaffTagMember]] = relationship(
        back_populates="tag", cascade="all, delete-orphan"
    )


class StaffTagMember(Base):
    """A member of staff tagged by name (WeCom's userlist)."""

    __tablename__ = "staff_tag_member"
    __table_args__ = (UniqueConstraint("tag_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("staff_tag.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)

    tag: Mapped[StaffTag] = relationship(back_populates="members")
    staff: Mapped[Staff] = relationship()
