"""Running SOP templates on customer groups: assign, pause, resume, stop, and who plays which
group role (群主, 理财经理, 助理 …).

Services flush and leave the commit to the caller. A group runs at most one SOP at a time:
assigning again stops the previous one with a reason. Stopping keeps every task as history;
only tasks not yet sent are cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, or_, select, update

from scrm.db import db, utcnow
from scrm.groups.models import GROUP_DISMISSED, GROUP_NORMAL, CustomerGroup
from scrm.sop.assignments.selection import (  # noqa: F401  (re-exported, as above)
    AssignmentError,
    groups_by_branch,
    groups_by_customer_tag,
    groups_by_ids,
    groups_by_name_pattern,
)
from scrm.sop.models import (
    ACTIVE,
    PAUSED,
    STOPPED,
    TASK_CANCELLED,
    TASK_PENDING,
    SopAssignment,
    SopTask,
    SopTemplate,
)
from scrm.sop.roles import (  # noqa: F401  (re-exported: the assignment services in one place)
    GROUP_OWNER_ROLE,
    assign_role,
    insert_missing_holders,
    reassign_departed_holders,
)
from scrm.sop.tasks.materialise import materialise_assignments

log = logging.getLogger(__name__)


def assign_template(
    template: SopTemplate,
    groups: Iterable[CustomerGroup],
    *,
    start_date: date,
    timezone: str = "Asia/Shanghai",
    assigned_by: str | None = None,
    now: datetime | None = None,
) -> list[SopAssignment]:
    """Run ``template`` on ``groups`` from ``start_date`` (day 1); flushes.

    A group's running SOP is stopped first ("replaced by …"). Every role of the template,
    and 群主, gets the group owner as its holder unless someone already holds it.

    :param template: a published template version.
    :param groups: open customer groups (see the ``groups_by_…`` selectors).
    :param start_date: day 1 of the SOP, in ``timezone``.
    :param timezone: an IANA zone name, e.g. ``Asia/Shanghai``.
    :param assigned_by: who asked (a staff userid), kept on the assignment.
    :return: the new assignments, one per group.
    :raise AssignmentError: no groups, a dismissed group, or an unknown time zone.
    """
    _zone(timezone)
    groups = list(groups)
    if not groups:
        raise AssignmentError("no groups to assign; pick groups by branch, name or chat id")
    closed = [g.chat_id for g in groups if g.status != GROUP_NORMAL or g.removed_at]
    if closed:
        raise AssignmentError(
            f"groups {', '.join(closed[:5])} are dismissed or gone from WeCom; leave them out"
        )
    now = now or utcnow()
    group_ids = [g.id for g in groups]
    for chunk in _chunks(group_ids):
        running = db.session.scalars(
            select(SopAssignment)
            .where(SopAssignment.group_id.in_(chunk), SopAssignment.status != STOPPED)
            .order_by(SopAssignment.id)
        )
        for previous in running:
            _stop(previous, f"replaced by {template.name} v{template.version}", now)
    db.session.flush()
    rows = [
        {
            "group_id": group_id,
            "template_id": template.id,
            "start_date": start_date,
            "timezone": timezone,
            "status": ACTIVE,
            "assigned_by": assigned_by,
            "created_at": now,
        }
        for group_id in group_ids
    ]
    assignments = []
    for chunk in _chunks(rows):
        assignments += db.session.scalars(insert(SopAssignment).returning(SopAssignment), chunk)
    roles = list(dict.fromkeys([GROUP_OWNER_ROLE, *(template.roles or ())]))
    holders = [
        {"group_id": g.id, "role": role, "staff_id": g.owner_id, "assigned_at": now}
        for g in groups
        if g.owner_id is not None
        for role in roles
    ]
    insert_missing_holders(holders)
    return assignments


def assign_once(
    template: SopTemplate,
    groups: list[CustomerGroup],
    start_date: date,
    timezone: str,
    *,
    assigned_by: str | None,
) -> tuple[list[SopAssignment], list[CustomerGroup]]:
    """Assign ``template`` to the groups not already running this version from this start date
    in this time zone (flushes). A request repeated assigns nothing the second time.

    :return: the new assignments, and the groups left as they were.
    """
    running = set()
    for start in range(0, len(groups), 500):
        running.update(
            db.session.scalars(
                select(SopAssignment.group_id).where(
                    SopAssignment.group_id.in_([g.id for g in groups[start : start + 500]]),
                    SopAssignment.status != STOPPED,
                    SopAssignment.template_id == template.id,
                    SopAssignment.start_date == start_date,
                    SopAssignment.timezone == timezone,
                )
            )
        )
    todo = [g for g in groups if g.id not in running]
    unchanged = [g for g in groups if g.id in running]
    created = []
    if todo:
        created = assign_template(
            template, todo, start_date=start_date, timezone=timezone, assigned_by=assigned_by
        )
    return created, unchanged


def find_template(name: str, version: int | None) -> SopTemplate:
    """The published version asked for, or the current (highest) one."""
    query = select(SopTemplate).where(SopTemplate.name == name)
    if version is not None:
        query = query.where(SopTemplate.version == version)
    found = db.session.scalars(query.order_by(SopTemplate.version.desc())).first()
    if found is None:
        which = f"{name} v{version}" if version is not None else name
        names = sorted(set(db.session.scalars(select(SopTemplate.name))))
        raise AssignmentError(
            f'no published template "{which}"; published: {", ".join(names) or "none yet"}'
        )
    return found


def pause_sop(group: CustomerGroup, *, now: datetime | None = None) -> SopAssignment:
    """Pause the group's SOP (暂停). What fell due before the pause is created first; nothing
    is created while paused; tasks already created keep their state. Pausing twice is a no-op.
    """
    assignment = _running(group)
    if assignment.status == PAUSED:
        return assignment
    now = now or utcnow()
    materialise_assignments([assignment], until=now, now=now)
    assignment.status, assignment.paused_at = PAUSED, now
    if assignment.scheduled_until is None or assignment.scheduled_until < now:
        assignment.scheduled_until = now
    db.session.flush()
    return assignment


def resume_sop(
    group: CustomerGroup, *, replay: bool = False, now: datetime | None = None
) -> SopAssignment:
    """Resume a paused SOP (恢复).

    :param replay: also create what fell due during the pause (late, by each step's
        catch-up policy); by default those occurrences are left out.
    """
    assignment = _running(group)
    if assignment.status == ACTIVE:
        return assignment
    now = now or utcnow()
    assignment.status, assignment.resumed_at = ACTIVE, now
    if not replay:
        assignment.scheduled_until = now  # the clock goes on from here
    db.session.flush()
    return assignment


def stop_sop(group: CustomerGroup, reason: str, *, now: datetime | None = None) -> SopAssignment:
    """Stop the group's SOP for good; its history stays, unsent tasks are cancelled (flushes).

    :param reason: why, kept on the assignment and on each cancelled task.
    """
    if not (reason or "").strip():
        raise AssignmentError("say why the SOP stops, e.g. 客户群已解散")
    assignment = _running(group)
    _stop(assignment, reason.strip(), now or utcnow())
    db.session.flush()
    return assignment


def stop_sops_of_dismissed_groups(*, now: datetime | None = None) -> int:
    """Stop the SOP of every group dismissed in WeCom or gone from it (flushes).

    :return: how many SOPs were stopped.
    """
    now = now or utcnow()
    found = db.session.scalars(
        select(SopAssignment)
        .join(CustomerGroup, CustomerGroup.id == SopAssignment.group_id)
        .where(
            SopAssignment.status != STOPPED,
            or_(CustomerGroup.status == GROUP_DISMISSED, CustomerGroup.removed_at.is_not(None)),
        )
        .order_by(SopAssignment.id)
    ).all()
    for assignment in found:
        _stop(assignment, "客户群已解散 (group dismissed in WeCom)", now)
    db.session.flush()
    return len(found)


def _running(group: CustomerGroup) -> SopAssignment:
    assignment = db.session.scalars(
        select(SopAssignment).where(
            SopAssignment.group_id == group.id, SopAssignment.status != STOPPED
        )
    ).first()
    if assignment is None:
        raise AssignmentError(
            f"group {group.name} ({group.chat_id}) runs no SOP; assign a template first"
        )
    return assignment


def _stop(assignment: SopAssignment, reason: str, now: datetime) -> None:
    assignment.status, assignment.stopped_at, assignment.stop_reason = STOPPED, now, reason[:255]
    db.session.execute(
        update(SopTask)
        .where(SopTask.assignment_id == assignment.id, SopTask.status == TASK_PENDING)
        .values(status=TASK_CANCELLED, note=f"SOP stopped: {reason}", finished_at=now)
        .execution_options(synchronize_session=False)
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Asia" is a folder
        raise AssignmentError(
            f'time zone "{name}" is unknown; use an IANA name such as Asia/Shanghai'
        ) from None


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]
