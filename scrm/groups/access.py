"""Which customer groups a member of staff may see (least privilege).

An RM sees the groups they own or hold a group role in (群主, 理财经理 … of an SOP); a branch
lead the groups owned by staff of their department or below; HQ ops and admins every group.
Anyone else sees none.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from scrm.auth import BANK_WIDE_ROLES
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.groups.models import CustomerGroup
from scrm.sop.models import GroupRoleHolder


def visible_groups(staff: Staff) -> Select:
    """A select of the ``CustomerGroup.id`` values ``staff`` may see.

    rm: groups they own or hold a group role in; branch_lead: groups owned by staff in the
    lead's department or below; hq_ops and admin: every group; anyone else: none.
    """
    roles = staff.role_names
    query = select(CustomerGroup.id)
    if roles & BANK_WIDE_ROLES:
        return query
    conditions = []
    if "rm" in roles:
        held = select(GroupRoleHolder.group_id).where(GroupRoleHolder.staff_id == staff.id)
        conditions += [CustomerGroup.owner_id == staff.id, CustomerGroup.id.in_(held)]
    if "branch_lead" in roles and staff.department_id is not None:
        parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
        owners = select(Staff.id).where(
            Staff.department_id.in_(department_subtree(parents, staff.department_id))
        )
        conditions.append(CustomerGroup.owner_id.in_(owners))
    if not conditions:
        return query.where(false())
    return query.where(or_(*conditions))
