"""Sync stages for the directory (通讯录): departments, then staff.

Both are fetched whole in one or two calls, so each stage is one transaction: a failure
repeats the stage, never half of it.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.services import remove_department, remove_staff, upsert_department, upsert_staff
from scrm.sync.changes import state_of
from scrm.sync.run_state import SyncContext
from scrm.wecom.endpoints import reads as api
from scrm.wecom.endpoints.reads import DepartmentInfo, MemberInfo


def _department_states() -> dict:
    return {d.id: state_of(d) for d in db.session.scalars(select(Department))}


def _staff_states() -> dict:
    return {s.userid: state_of(s) for s in db.session.scalars(select(Staff))}


def _parents_first(infos: list[DepartmentInfo]) -> list[DepartmentInfo]:
    by_id = {d.id: d for d in infos}

    def depth(info: DepartmentInfo) -> int:
        level, seen = 0, {info.id}
        while info.parent_id in by_id and info.parent_id not in seen:
            info = by_id[info.parent_id]
            seen.add(info.id)
            level += 1
        return level

    return sorted(infos, key=lambda d: (depth(d), d.order, d.id))


def sync_departments(ctx: SyncContext) -> None:
    """Store every department the app can see; mark the others removed."""
    infos = api.list_departments(ctx.agent)
    before = _department_states()
    for info in _parents_first(infos):
        upsert_department(info)
    listed = {d.id for d in infos}
    for department_id, state in before.items():
        if department_id not in listed and state["removed_at"] is None:
            remove_department(department_id)
    ctx.count("departments", before, _department_states())


def _root_department_ids() -> list[int]:
    # The app may see several subtrees rather than the whole corp: list each from its top.
    live = db.session.scalars(select(Department).where(Department.removed_at.is_(None))).all()
    live_ids = {d.id for d in live}
    return sorted(d.id for d in live if d.parent_id not in live_ids)


def sync_staff(ctx: SyncContext) -> None:
    """Store every member of the visible departments, noting who has 客户联系 enabled; mark
    members no longer listed removed."""
    members: dict[str, MemberInfo] = {}
    for root in _root_department_ids():
        for info in api.list_members(ctx.agent, root, fetch_child=True):
            members.setdefault(info.userid, info)
    follow_users = set(api.list_follow_users(ctx.contact))
    before = _staff_states()
    for userid in sorted(members):
        upsert_staff(members[userid], is_follow_user=userid in follow_users)
    for userid, state in before.items():
        # "local:<name>" rows are console accounts (scrm create-admin), never in WeCom.
        local = userid.startswith("local:")
        if userid not in members and state["removed_at"] is None and not local:
            remove_staff(userid)
    ctx.count("staff", before, _staff_states())
    from scrm.directory.staff_tags.services import sync_staff_tags  # 通讯录标签, for moments by tag

    sync_staff_tags(ctx.agent)
