"""Who publishes a central post: the current RMs a target names — a branch, departments,
userids, directory tags (通讯录标签) or everyone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.directory.staff_tags.services import staff_ids_tagged
from scrm.directory.tree import department_subtree
from scrm.moments.errors import CentralPostError

TARGET_KEYS = ("branch", "department_ids", "userids", "staff_tag_ids", "all")
MAX_SENDERS = 100_000


def resolve_target_rms(target: Mapping[str, Any]) -> list[Staff]:
    """The current staff with the ``rm`` role that ``target`` names, ordered by userid.

    :raise CentralPostError: an unknown target, department or userid, or no RM in it.
    """
    if not isinstance(target, Mapping) or len(target) != 1 or next(iter(target)) not in TARGET_KEYS:
        raise CentralPostError(
            'target must be one of {"branch": <dept id>}, {"department_ids": [...]}, '
            '{"userids": [...]}, {"staff_tag_ids": [...]} or {"all": true}'
        )
    key, value = next(iter(target.items()))
    rms = (
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(StaffRole.role == "rm", Staff.removed_at.is_(None))
        .order_by(Staff.userid)
    )
    if key == "all":
        if value is not True:
            raise CentralPostError('target {"all": true} must be exactly true')
        found, where = list(db.session.scalars(rms)), "the bank"
    elif key == "userids":
        wanted = [str(u) for u in value or []]
        found = list(db.session.scalars(rms.where(Staff.userid.in_(wanted))))
        unknown = sorted(set(wanted) - {s.userid for s in found})
        if unknown:
            raise CentralPostError(
                f"not current RMs: {', '.join(unknown[:10])}; check the userids, give them the "
                "rm role, or run `scrm sync`"
            )
        where = "the userids given"
    elif key == "staff_tag_ids":
        if not isinstance(value, list) or not value:
            raise CentralPostError('{"staff_tag_ids": [...]} needs at least one directory tag id')
        try:
            tagged = staff_ids_tagged(value)
        except (LookupError, ValueError, TypeError) as exc:
            raise CentralPostError(str(exc)) from None
        found = list(db.session.scalars(rms.where(Staff.id.in_(tagged))))
        where = f"directory tags {', '.join(str(t) for t in value)}"
    else:
        roots = [value] if key == "branch" else list(value or [])
        departments = _subtrees(roots)
        found = list(db.session.scalars(rms.where(Staff.department_id.in_(departments))))
        where = f"department {', '.join(str(r) for r in roots)} or below"
    if not found:
        raise CentralPostError(
            f"no RM in {where}: choose another target, or give staff the rm role there"
        )
    if len(found) > MAX_SENDERS:
        raise CentralPostError(
            f"{len(found)} RMs; WeCom allows {MAX_SENDERS} per moment — split the target"
        )
    return found


def _subtrees(roots: Sequence[Any]) -> list[int]:
    parents = dict(
        db.session.execute(
            select(Department.id, Department.parent_id).where(Department.removed_at.is_(None))
        ).all()
    )
    found: list[int] = []
    for root in roots:
        if not isinstance(root, int) or root not in parents:
            raise CentralPostError(
                f"department {root!r} is not known; give a department id from `scrm sync`"
            )
        found.extend(department_subtree(parents, root))
    return found
