"""Who plays which group role (群主, 理财经理, 助理, 客服, 产品经理 …) in a customer group, and
what happens to roles and open tasks when a holder leaves the bank (离职继承)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from sqlalchemy import or_, select, update

from scrm.db import db, insert_unless_present, utcnow
from scrm.directory.models import Department, Staff, StaffRole
from scrm.directory.tree import branch_in, department_subtree, path_to_root
from scrm.groups.models import CustomerGroup
from scrm.sop.assignments.selection import AssignmentError
from scrm.sop.models import (
    TASK_AWAITING_OWNER,
    TASK_BLOCKED,
    TASK_CONFLICT,
    TASK_PENDING,
    TASK_QUEUED,
    GroupRoleHolder,
    SopTask,
)

log = logging.getLogger(__name__)

GROUP_OWNER_ROLE = "群主"
#: Task states still waiting for someone; they follow a role to its new holder.
OPEN_TASK_STATES = (TASK_PENDING, TASK_QUEUED, TASK_AWAITING_OWNER, TASK_BLOCKED, TASK_CONFLICT)
STAFF_QUIT = 5  # WeCom member status: 已退出企业


def assign_role(
    group: CustomerGroup, role: str, staff: Staff, *, now: datetime | None = None
) -> GroupRoleHolder:
    """Make ``staff`` the holder of ``role`` in ``group``; its open tasks follow (flushes).

    :raise AssignmentError: a blank role, or staff who left the bank.
    """
    role = (role or "").strip()
    if not role or len(role) > 32:
        raise AssignmentError("a group role needs a name of 1–32 characters, e.g. 理财经理")
    if has_departed(staff):
        raise AssignmentError(
            f"{staff.name} ({staff.userid}) has left the bank; choose current staff"
        )
    holder = db.session.scalars(
        select(GroupRoleHolder).where(
            GroupRoleHolder.group_id == group.id, GroupRoleHolder.role == role
        )
    ).one_or_none()
    if holder is None:
        holder = GroupRoleHolder(group_id=group.id, role=role, staff_id=staff.id)
        db.session.add(holder)
    holder.staff_id, holder.assigned_at = staff.id, now or utcnow()
    db.session.execute(
        update(SopTask)
        .where(
            SopTask.group_id == group.id,
            SopTask.role == role,
            SopTask.status.in_(OPEN_TASK_STATES),
        )
        .values(assignee_id=staff.id)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return holder


def reassign_departed_holders(*, now: datetime | None = None) -> Counter:
    """Hand the roles and open tasks of staff who left the bank (离职继承) to the group owner,
    or to the branch lead when the owner left too (flushes). Nothing is dropped: a role with
    no one to take it stays with its holder and is counted as ``without_successor``.

    :return: counts ``roles_moved``, ``tasks_moved``, ``without_successor``.
    """
    counts: Counter[str] = Counter()
    successors = _Successors()
    holders = db.session.scalars(
        select(GroupRoleHolder)
        .join(Staff, Staff.id == GroupRoleHolder.staff_id)
        .where(departed_staff())
    ).all()
    for holder in holders:
        successor = successors.of(holder.group_id)
        if successor is None:
            counts["without_successor"] += 1
            continue
        holder.staff_id, holder.assigned_at = successor, now or utcnow()
        counts["roles_moved"] += 1
    db.session.flush()
    tasks = db.session.scalars(
        select(SopTask)
        .join(Staff, Staff.id == SopTask.assignee_id)
        .where(SopTask.status.in_(OPEN_TASK_STATES), departed_staff())
    ).all()
    for task in tasks:
        holder = db.session.scalars(
            select(GroupRoleHolder.staff_id)
            .join(Staff, Staff.id == GroupRoleHolder.staff_id)
            .where(GroupRoleHolder.group_id == task.group_id, GroupRoleHolder.role == task.role)
            .where(~departed_staff())
        ).first()
        successor = holder or successors.of(task.group_id)
        if successor is None:
            counts["without_successor"] += 1
            continue
        task.assignee_id = successor
        counts["tasks_moved"] += 1
    if counts["without_successor"]:
        log.warning("SOP roles or tasks of departed staff have no successor: %s", dict(counts))
    db.session.flush()
    return counts


def insert_missing_holders(rows: list[dict]) -> None:
    if not rows:
        return
    connection = db.session.connection()
    statement = insert_unless_present(
        GroupRoleHolder.__table__, ["group_id", "role"], dialect=connection.dialect.name
    )
    for start in range(0, len(rows), 2000):
        connection.execute(statement, rows[start : start + 2000])


class _Successors:
    """Who takes over a group's roles: the owner, else the nearest branch lead (cached)."""

    def __init__(self) -> None:
        self._found: dict[int, int | None] = {}
        self._parents: dict | None = None

    def of(self, group_id: int) -> int | None:
        if group_id not in self._found:
            self._found[group_id] = self._find(group_id)
        return self._found[group_id]

    def _find(self, group_id: int) -> int | None:
        group = db.session.get(CustomerGroup, group_id)
        owner = group.owner if group else None
        if owner is None:
            return None
        if not has_departed(owner):
            return owner.id
        if owner.department_id is None:
            return None
        if self._parents is None:
            self._parents = dict(
                db.session.execute(select(Department.id, Department.parent_id)).all()
            )
        chain = path_to_root(self._parents, owner.department_id)
        branch = branch_in(chain)
        leads = db.session.execute(
            select(Staff.id, Staff.department_id)
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(StaffRole.role == "branch_lead", ~departed_staff())
            .where(Staff.department_id.in_(department_subtree(self._parents, branch)))
            .order_by(Staff.id)
        ).all()
        # The lead nearest above the owner's department first, then any in the branch.
        rank = {department: depth for depth, department in enumerate(chain)}
        leads.sort(key=lambda lead: rank.get(lead.department_id, len(chain)))
        return leads[0].id if leads else None


def departed_staff():
    return or_(Staff.removed_at.is_not(None), Staff.status == STAFF_QUIT)


def has_departed(staff: Staff) -> bool:
    return staff.removed_at is not None or staff.status == STAFF_QUIT
