"""Departments and staff, mirrored from the WeCom directory (通讯录)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scrm.db import Base, UTCDateTime, utcnow

#: Roles a member of staff can hold in scrm.
ROLES = ("rm", "branch_lead", "compliance", "hq_ops", "admin")


class Department(Base):
    """A WeCom department. Depth 1 is HQ (总行), 2 a branch (分行), 3+ a sub-branch (支行)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    order: Mapped[int] = mapped_column(Integer, default=0)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")

    @property
    def level(self) -> str:
        """``hq``, ``branch`` or ``sub_branch`` from the department's depth in the tree."""
        depth, node = 1, self
        while node.parent is not None:
            depth, node = depth + 1, node.parent
        return {1: "hq", 2: "branch"}.get(depth, "sub_branch")


class Staff(Base):
    """A member of staff (成员) with a WeCom userid."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(128))
    mobile: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(128))
    avatar: Mapped[str | None] = mapped_column(String(512))
    # WeCom member status: 1 active, 2 disabled, 4 not activated, 5 quit.
    status: Mapped[int] = mapped_column(Integer, default=1)
    # Enabled for 客户联系 (appears in get_follow_user_list).
    is_follow_user: Mapped[bool] = mapped_column(default=False)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()
    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class StaffRole(Base):
    """One scrm role held by a member of staff."""

    __tablename__ = "staff_role"
    __table_args__ = (
        UniqueConstraint("staff_id", "role"),
        CheckConstraint(
            "role IN ('rm', 'branch_lead', 'compliance', 'hq_ops', 'admin')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    staff: Mapped[Staff] = relationship(back_populates="roles")
