"""离职继承: when an RM leaves the bank (WeCom ``delete_user``, or member status 5), their
customers and groups are planned for inheritance; the branch lead chooses the takeover RM
(proposed by ``CUSTODY_INHERIT_TO``) and WeCom moves them (``resigned/transfer_customer``,
``groupchat/transfer``). Writers flush; the caller commits.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import or_, select

from scrm.custody.handover import (
    HandoverError,
    add_plan_rows,
    live_customers,
    owned_groups,
    start_handover,
)
from scrm.custody.models import CLOSED, NEEDS_TAKEOVER, OPEN, RESIGNED, Handover
from scrm.customers import services as customers
from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.directory.tree import path_to_root
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import transfer as transfer_api

log = logging.getLogger(__name__)

#: WeCom member status 已退出企业 (quit).
STATUS_QUIT = 5
#: ``CUSTODY_INHERIT_TO``: "branch_lead" proposes the nearest branch lead above the member
#: who left; any other value is the userid of the RM who inherits by default.
DEFAULT_INHERIT_TO = "branch_lead"


def open_inheritance(staff: Staff) -> Handover | None:
    """The resigned handover of ``staff`` that is not closed, if any."""
    return db.session.scalar(
        select(Handover).where(
            Handover.kind == RESIGNED,
            Handover.handover_staff_id == staff.id,
            Handover.status != CLOSED,
        )
    )


def default_takeover(staff: Staff) -> Staff | None:
    """The RM proposed to inherit from ``staff`` (``CUSTODY_INHERIT_TO``), or ``None``."""
    setting = current_app.config.get("CUSTODY_INHERIT_TO") or DEFAULT_INHERIT_TO
    if setting != DEFAULT_INHERIT_TO:
        found = db.session.scalar(select(Staff).where(Staff.userid == setting))
        return found if found is not None and found.removed_at is None else None
    if staff.department_id is None:
        return None
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    for department in path_to_root(parents, staff.department_id):
        lead = db.session.scalar(
            select(Staff)
            .join(StaffRole)
            .where(
                Staff.department_id == department,
                StaffRole.role == "branch_lead",
                Staff.removed_at.is_(None),
                Staff.id != staff.id,
            )
            .order_by(Staff.id)
            .limit(1)
        )
        if lead is not None:
            return lead
    return None


def plan_inheritance(userid: str) -> Handover | None:
    """Plan the inheritance of everything a member who left served (safe to call again).

    :return: the plan, or ``None`` when the member is unknown or served nobody.
    """
    staff = db.session.scalar(select(Staff).where(Staff.userid == userid))
    if staff is None:
        return None
    handover = open_inheritance(staff)
    people, groups = live_customers(staff), owned_groups(staff)
    if handover is None:
        if not people and not groups:
            return None
        handover = Handover(
            kind=RESIGNED,
            handover_staff=staff,
            takeover_staff=default_takeover(staff),
            status=NEEDS_TAKEOVER,
            include_groups=True,
            reason="离职继承",
        )
        db.session.add(handover)
        db.session.flush()
        log.info(
            "inheritance planned for %s: %s customers, %s groups", userid, len(people), len(groups)
        )
    add_plan_rows(handover, people, groups)
    return handover


def plan_departures() -> int:
    """Plan inheritance for every member who left (removed, or WeCom status 5) and still has
    customers or groups on record without a plan; catches a missed ``delete_user``.

    :return: how many plans were made.
    """
    gone = db.session.scalars(
        select(Staff).where(or_(Staff.removed_at.is_not(None), Staff.status == STATUS_QUIT))
    ).all()
    made = 0
    for staff in gone:
        if open_inheritance(staff) is None and plan_inheritance(staff.userid) is not None:
            made += 1
    return made


def inherit(departed_userid: str, takeover_userid: str | None, *, requested_by: str) -> Handover:
    """Give a departed RM's customers and groups to ``takeover_userid`` (default: the
    proposed RM) and ask WeCom to start; customers WeCom lists as theirs but scrm never saw
    (``get_unassigned_list``) are added first.

    :raise HandoverError: the member has not left, has nothing to inherit, or no takeover RM.
    :raise WeComError: WeCom cannot be reached; nothing is started, run it again.
    """
    staff = db.session.scalar(select(Staff).where(Staff.userid == departed_userid))
    if staff is None:
        raise HandoverError(f"no member {departed_userid!r}; check the userid")
    if staff.removed_at is None and staff.status != STATUS_QUIT:
        raise HandoverError(
            f"{departed_userid} has not left the bank; "
            "use an on-job handover (scrm custody handover)"
        )
    client = get_client("contact")
    unseen = [
        u.external_userid
        for u in transfer_api.unassigned_customers(client)
        if u.handover_userid == departed_userid
    ]
    for external_userid in unseen:
        if customers.get_customer(external_userid) is None:
            customers.refresh_customer(external_userid)
    handover = plan_inheritance(departed_userid)
    if handover is None:
        raise HandoverError(f"{departed_userid} has no customers or groups left to inherit")
    if unseen:
        add_plan_rows(handover, [c for e in unseen if (c := customers.get_customer(e))])
    if takeover_userid is not None:
        takeover = db.session.scalar(select(Staff).where(Staff.userid == takeover_userid))
        if takeover is None or takeover.removed_at is not None:
            raise HandoverError(f"{takeover_userid!r} is not an active member; choose another RM")
        handover.takeover_staff = takeover
    if handover.takeover_staff is None:
        raise HandoverError(
            f"nobody is proposed to inherit from {departed_userid}; name the takeover RM"
        )
    if handover.takeover_staff.id == staff.id:
        raise HandoverError("the takeover RM must differ from the one who left")
    handover.status, handover.requested_by = OPEN, requested_by
    db.session.flush()
    start_handover(handover)
    return handover
