"""Which customers a member of staff may see and act on (least privilege).

An RM sees the customers they follow (a live relation); a branch lead those followed by staff
of their department or below; HQ ops and admins every customer. Anyone else sees none. Callers
answer 404 for a customer out of scope, so existence never leaks.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.auth import BANK_WIDE_ROLES
from scrm.customers.models import Customer, Follow
from scrm.customers.services import LIVE_STATUSES
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree

__all__ = [
    "BANK_WIDE_ROLES",
    "customer_in_scope",
    "own_follow",
    "scoped_customer",
    "subtree_staff_ids",
    "visible_follows",
]


def subtree_staff_ids(staff: Staff) -> set[int]:
    """The ids of staff in ``staff``'s department or below (a branch lead's people)."""
    if staff.department_id is None:
        return set()
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    departments = department_subtree(parents, staff.department_id)
    return set(db.session.scalars(select(Staff.id).where(Staff.department_id.in_(departments))))


def visible_follows(staff: Staff, customer: Customer) -> list[Follow]:
    """The customer's live relations with RMs that ``staff`` may see, by RM userid.

    Empty means the customer is out of ``staff``'s scope.
    """
    live = [f for f in customer.follows if f.status in LIVE_STATUSES]
    roles = staff.role_names
    if roles & BANK_WIDE_ROLES:
        found = live
    else:
        allowed: set[int] = set()
        if "rm" in roles:
            allowed.add(staff.id)
        if "branch_lead" in roles:
            allowed |= subtree_staff_ids(staff)
        found = [f for f in live if f.staff_id in allowed]
    return sorted(found, key=lambda f: f.staff.userid)


def scoped_customer(staff: Staff, external_userid: str) -> Customer | None:
    """The customer when ``staff`` may see them (HQ ops and admins: any known customer), else
    ``None``. One query whether the customer is unknown or out of scope, so the two take the
    same time as well as getting the same answer."""
    query = select(Customer).where(Customer.external_userid == external_userid)
    roles = staff.role_names
    if not roles & BANK_WIDE_ROLES:
        allowed: set[int] = set()
        if "rm" in roles:
            allowed.add(staff.id)
        if "branch_lead" in roles:
            allowed |= subtree_staff_ids(staff)
        served = select(Follow.id).where(
            Follow.customer_id == Customer.id,
            Follow.staff_id.in_(allowed),
            Follow.status.in_(LIVE_STATUSES),
        )
        query = query.where(served.exists())
    return db.session.scalar(query)


def customer_in_scope(staff: Staff, external_userid: str) -> tuple[Customer, list[Follow]] | None:
    """The customer and the relations ``staff`` may see, or ``None`` when out of scope."""
    customer = scoped_customer(staff, external_userid)
    if customer is None:
        return None
    follows = visible_follows(staff, customer)
    return (customer, follows) if follows else None


def own_follow(staff: Staff, follows: list[Follow]) -> Follow | None:
    """``staff``'s own relation among ``follows``, if they serve the customer themselves."""
    return next((f for f in follows if f.staff_id == staff.id), None)
