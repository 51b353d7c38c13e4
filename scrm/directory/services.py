"""Write the bank's organisation (departments and staff) as WeCom reports it.

Every function here is idempotent (applying the same information twice leaves the same rows)
and only ``flush()``es: the caller — a callback handler, the full sync, a CLI command —
commits.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.directory.models import ROLES, Department, Staff, StaffRole
from scrm.directory.tree import branch_in, path_to_root
from scrm.errors import ScrmError
from scrm.sessions.models import ROLE_REVOKED, STAFF_LEFT
from scrm.sessions.services import end_sessions_of
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import reads as api
from scrm.wecom.endpoints.reads import DepartmentInfo, MemberInfo
from scrm.wecom.errors import InvalidRequest

log = logging.getLogger(__name__)

STAFF_QUIT = 5  # WeCom member status 已退出企业 (left the corp)


class UnknownRole(ScrmError):
    """A role name that scrm does not know."""


def get_department(department_id: int) -> Department | None:
    """The stored department with this WeCom id, removed or not."""
    return db.session.get(Department, department_id)


def get_staff(userid: str) -> Staff | None:
    """The stored member of staff with this WeCom userid, removed or not."""
    return db.session.scalar(select(Staff).where(Staff.userid == userid))


def _department_row(department_id: int) -> Department:
    # A parent or a staff member's department can be announced before the department itself
    # (callbacks arrive in any order). Keep the link with a nameless row; the department's
    # own event or the next full sync fills it in.
    dept = db.session.get(Department, department_id)
    if dept is None:
        dept = Department(id=department_id, name="", order=0)
        db.session.add(dept)
        db.session.flush()
    return dept


def upsert_department(info: DepartmentInfo) -> Department:
    """Create or update a department; a removed one comes back.

    :param info: the department as WeCom lists it.
    """
    if info.parent_id is not None and info.parent_id != info.id:
        _department_row(info.parent_id)
    dept = db.session.get(Department, info.id)
    if dept is None:
        dept = Department(id=info.id)
        db.session.add(dept)
    dept.name = info.name
    dept.name_en = info.name_en
    dept.parent_id = info.parent_id if info.parent_id != info.id else None
    dept.order = info.order
    dept.synced_at = utcnow()
    dept.removed_at = None
    db.session.flush()
    return dept


def remove_department(department_id: int) -> None:
    """Mark a department removed (its row and history stay).

    :param department_id: WeCom department id; an unknown id is ignored.
    """
    dept = db.session.get(Department, department_id)
    if dept is not None and dept.removed_at is None:
        dept.removed_at = utcnow()
        db.session.flush()


def upsert_staff(info: MemberInfo, *, is_follow_user: bool | None = None) -> Staff:
    """Create or update a member of staff from WeCom's directory; a removed one comes back.

    :param info: the member as WeCom reports it; ``main_department`` becomes the department.
    :param is_follow_user: whether 客户联系 is enabled for them (``None`` leaves it as stored).
        ``True`` also grants the ``rm`` role.
    """
    department_id = info.main_department or (
        info.department_ids[0] if info.department_ids else None
    )
    if department_id is not None:
        _department_row(department_id)
    staff = get_staff(info.userid)
    if staff is None:
        staff = Staff(userid=info.userid, is_follow_user=False)
        db.session.add(staff)
    leaves = info.status == STAFF_QUIT and staff.status != STAFF_QUIT
    staff.name = info.name
    staff.department_id = department_id
    staff.position = info.position
    staff.mobile = info.mobile
    staff.email = info.email
    staff.avatar = info.avatar
    staff.status = info.status
    staff.synced_at = utcnow()
    staff.removed_at = None
    if is_follow_user is not None:
        staff.is_follow_user = is_follow_user
    db.session.flush()
    if leaves:
        end_sessions_of(staff.id, STAFF_LEFT)
    if is_follow_user:
        grant_role(staff, "rm")
    return staff


def rename_staff(old_userid: str, new_userid: str) -> Staff | None:
    """Follow a userid change made in WeCom (``NewUserID``); everything linked by row stays.

    :return: the member of staff under the new userid, or ``None`` when neither is stored.
    """
    if old_userid == new_userid:
        return get_staff(new_userid)
    old, new = get_staff(old_userid), get_staff(new_userid)
    if old is None:
        return new  # already renamed, or never stored
    if new is not None:
        # Both exist when the new userid was fetched before the rename event arrived. Keep
        # the old row (it carries follows and groups) as removed history rather than merge.
        log.warning(
            "rename of staff %s: %s is already stored; old row kept as removed",
            old_userid,
            new_userid,
        )
        if old.removed_at is None:
            old.removed_at = utcnow()
        db.session.flush()
        end_sessions_of(old.id, STAFF_LEFT)
        return new
    old.userid = new_userid
    old.synced_at = utcnow()
    db.session.flush()
    return old


def remove_staff(userid: str) -> None:
    """Mark a member of staff removed (left the bank or deleted from WeCom) and end every
    session they have; rows stay.

    :param userid: WeCom userid; an unknown userid is ignored.
    """
    staff = get_staff(userid)
    if staff is not None and staff.removed_at is None:
        staff.removed_at = utcnow()
        db.session.flush()
        end_sessions_of(staff.id, STAFF_LEFT)


def ensure_staff(userid: str) -> Staff:
    """The stored member of staff, or — when unknown — fetched from WeCom (``user/get``).

    A userid WeCom no longer knows (e.g. someone who left but still has customers on record)
    is stored as a removed, nameless member so that follows and groups keep their owner.

    :raise WeComError: when WeCom cannot be reached or refuses for another reason.
    """
    staff = get_staff(userid)
    if staff is not None:
        return staff
    try:
        info = api.get_member(get_client("agent"), userid)
    except InvalidRequest as exc:
        log.warning("staff %s is not in the WeCom directory (errcode %s)", userid, exc.errcode)
        staff = Staff(userid=userid, name="", is_follow_user=False, removed_at=utcnow())
        db.session.add(staff)
        db.session.flush()
        return staff
    return upsert_staff(info)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")


def grant_role(staff: Staff, role: str) -> None:
    """Give a member of staff a role (already held: nothing changes).

    :raise UnknownRole: when ``role`` is not one of :data:`ROLES`.
    """
    _check_role(role)
    if role not in staff.role_names:
        staff.roles.append(StaffRole(role=role))
        db.session.flush()


def revoke_role(staff: Staff, role: str) -> None:
    """Take a role away from a member of staff and end every session they have, so each
    browser signs in again under the roles left (not held: nothing changes).

    :raise UnknownRole: when ``role`` is not one of :data:`ROLES`.
    """
    _check_role(role)
    held = [row for row in staff.roles if row.role == role]
    for row in held:
        staff.roles.remove(row)
    db.session.flush()
    if held:
        end_sessions_of(staff.id, ROLE_REVOKED)


def branch_of_departments() -> dict[int, int]:
    """Every department's branch: its depth-2 ancestor (HQ → branch → sub-branch …).

    HQ (a root) is its own branch, so groups owned at HQ still roll up somewhere.
    """
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    return {department: branch_in(path_to_root(parents, department)) for department in parents}
