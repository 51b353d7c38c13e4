"""The SOP clock: turn due steps into task rows, each exactly once.

Every active assignment keeps a high-water mark (``scheduled_until``). A run computes the
occurrences due between the mark and now, inserts them with ``INSERT … ON CONFLICT DO
NOTHING`` on the unique (group, step, occurrence), and moves the mark in the same
transaction. So a double firing, two workers, a restart or a catch-up after downtime finds
the rows already there and creates nothing twice; a crash before the commit loses nothing,
because the mark did not move either. Rows are inserted set-based (one executemany per
batch of assignments), which keeps 10,000 groups due in the same minute to seconds.

This module only creates tasks (``pending``, or ``skipped`` by the catch-up policy); the
executor sends and settles them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update

from scrm.db import db, utcnow
from scrm.groups.models import MEMBER_STAFF, CustomerGroup, GroupMember
from scrm.sop.models import ACTIVE, SopAssignment
from scrm.sop.tasks.inactivity import materialise_inactivity_tasks
from scrm.sop.tasks.schedule import EVENT, event_occurrence, local_to_utc, occurrences
from scrm.sop.tasks.services import assignee_lookup, insert_tasks, task_row, template_steps

log = logging.getLogger(__name__)

#: Assignments handled (and committed) together.
BATCH_SIZE = 1000


def materialise_due_tasks(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Create every SOP task due by ``now`` for every active assignment; commits per batch.

    Before that it stops the SOP of groups dismissed in WeCom and hands the roles and open
    tasks of staff who left the bank to the group owner or branch lead.

    :param now: the clock's time (aware); default: now.
    :param batch_size: assignments per transaction.
    :return: counts: ``created`` (pending, on time), ``late`` (pending, created late),
        ``skipped`` (catch-up policy), ``assignments`` seen, and the housekeeping counts.
    """
    # Imported here: the assignment services use this module.
    from scrm.sop.assignments.services import (
        reassign_departed_holders,
        stop_sops_of_dismissed_groups,
    )

    now = now or utcnow()
    counts: Counter[str] = Counter()
    counts["stopped_dismissed"] = stop_sops_of_dismissed_groups(now=now)
    counts.update(reassign_departed_holders(now=now))
    db.session.commit()  # commit in steps: the stops and reassignments before the batches
    last_id = 0
    while True:
        batch = db.session.execute(
            select(
                SopAssignment.id,
                SopAssignment.group_id,
                SopAssignment.template_id,
                SopAssignment.start_date,
                SopAssignment.timezone,
                SopAssignment.scheduled_until,
            )
            .where(SopAssignment.status == ACTIVE, SopAssignment.id > last_id)
            .order_by(SopAssignment.id)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        counts["assignments"] += len(batch)
        counts.update(materialise_assignments(batch, until=now, now=now))
        db.session.commit()  # commit in steps: one batch of assignments at a time
        last_id = batch[-1].id
    counts.update(materialise_inactivity_tasks(now))
    db.session.commit()  # commit in steps: the inactivity tasks after the last batch
    if counts["late"] or counts["skipped"]:
        log.info("SOP clock caught up: %s", dict(counts))
    return dict(counts)


def materialise_assignments(assignments: Sequence, *, until: datetime, now: datetime) -> Counter:
    """Create the tasks of ``assignments`` due up to ``until`` and move their marks (flushes).

    :param assignments: rows or :class:`SopAssignment` objects (id, group_id, template_id,
        start_date, timezone, scheduled_until), in id order so concurrent runs lock alike.
    :param until: the end of the window (inclusive).
    :param now: the time the tasks are created, for the catch-up policy.
    :return: counts ``created``, ``late``, ``skipped``.
    """
    if not assignments:
        return Counter()
    steps = template_steps({a.template_id for a in assignments})
    assignees = assignee_lookup([a.group_id for a in assignments])
    rows = []
    for assignment in assignments:
        tz = ZoneInfo(assignment.timezone)
        since = assignment.scheduled_until or (
            local_to_utc(assignment.start_date, time(0, 0), tz) - timedelta(microseconds=1)
        )
        for step in steps[assignment.template_id]:
            for key, due in occurrences(step, assignment.start_date, tz, since, until):
                rows.append(task_row(assignment.id, assignment.group_id, step, key, due, now))
    for row in rows:
        row["assignee_id"] = assignees(row["group_id"], row["role"])
    counts = insert_tasks(rows)
    ids = [a.id for a in assignments]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        db.session.execute(
            update(SopAssignment)
            .where(
                SopAssignment.id.in_(chunk),
                or_(SopAssignment.scheduled_until.is_(None), SopAssignment.scheduled_until < until),
            )
            .values(scheduled_until=until)
            .execution_options(synchronize_session=False)
        )
    return counts


def on_member_joined(
    group: CustomerGroup, member: GroupMember | str, at: datetime, *, now: datetime | None = None
) -> Counter:
    """Create the tasks of the group's ``member_joined`` steps for one new member (flushes).

    Staff joining do not count: the steps welcome customers.

    :param member: the member row, or the member's userid / external_userid.
    :param at: when they joined.
    :return: counts ``created``, ``late``, ``skipped`` (0 each when nothing applies).
    """
    if isinstance(member, GroupMember):
        if member.member_type == MEMBER_STAFF:
            return Counter()
        member = member.member_userid
    return _on_event(group, "member_joined", at, member, now or utcnow())


def on_group_created(group: CustomerGroup, at: datetime, *, now: datetime | None = None) -> Counter:
    """Create the tasks of the group's ``group_created`` steps (flushes).

    :param at: when the group was created.
    :return: counts ``created``, ``late``, ``skipped``.
    """
    return _on_event(group, "group_created", at, "", now or utcnow())


def _on_event(
    group: CustomerGroup, event: str, at: datetime, subject: str, now: datetime
) -> Counter:
    assignment = db.session.scalars(
        select(SopAssignment).where(
            SopAssignment.group_id == group.id, SopAssignment.status == ACTIVE
        )
    ).first()
    if assignment is None:
        return Counter()
    rows = []
    for step in template_steps({assignment.template_id})[assignment.template_id]:
        trigger = step.get("trigger") or {}
        if trigger.get("type") == EVENT and trigger.get("event") == event:
            key, due = event_occurrence(step, at, subject)
            rows.append(task_row(assignment.id, group.id, step, key, due, now))
    assignees = assignee_lookup([group.id])
    for row in rows:
        row["assignee_id"] = assignees(group.id, row["role"])
    return insert_tasks(rows)
