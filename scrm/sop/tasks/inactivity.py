"""The ``inactive`` event step: N days without a message in the group (N 天无人发言).

A group's last active day is the last day its daily metrics saw a message or a member join
(see :mod:`scrm.sop.metrics.services`), or the SOP's start date when it has none. When N whole days
have passed since the end of that day, the step's task is created, once per quiet spell: the
occurrence key holds the last active day, so the next quiet spell gets a new task and a
second clock run adds nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from scrm.db import db
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.models import ACTIVE, SopAssignment
from scrm.sop.tasks.schedule import EVENT
from scrm.sop.tasks.services import assignee_lookup, insert_tasks, task_row, template_steps


def _inactive_steps(steps: list[dict]) -> list[dict]:
    return [
        s
        for s in steps
        if (s.get("trigger") or {}).get("type") == EVENT
        and (s.get("trigger") or {}).get("event") == "inactive"
    ]


def materialise_inactivity_tasks(now: datetime) -> Counter:
    """Create the tasks of ``inactive`` steps whose groups have been quiet long enough (flushes).

    :param now: the clock's time, aware.
    :return: counts ``created``, ``late``, ``skipped`` of the rows inserted.
    """
    assignments = db.session.execute(
        select(
            SopAssignment.id,
            SopAssignment.group_id,
            SopAssignment.template_id,
            SopAssignment.start_date,
            SopAssignment.timezone,
        ).where(SopAssignment.status == ACTIVE)
    ).all()
    steps = template_steps({a.template_id for a in assignments})
    quiet = [(a, _inactive_steps(steps.get(a.template_id, []))) for a in assignments]
    quiet = [(a, s) for a, s in quiet if s]
    if not quiet:
        return Counter()
    group_ids = [a.group_id for a, _ in quiet]
    last_active = dict(
        db.session.execute(
            select(GroupDailyMetric.group_id, func.max(GroupDailyMetric.day))
            .where(
                GroupDailyMetric.group_id.in_(group_ids),
                or_(GroupDailyMetric.messages > 0, GroupDailyMetric.joins > 0),
            )
            .group_by(GroupDailyMetric.group_id)
        ).all()
    )
    assignees = assignee_lookup(group_ids)
    rows = []
    for assignment, inactive_steps in quiet:
        day = max(
            last_active.get(assignment.group_id) or assignment.start_date, assignment.start_date
        )
        tz = ZoneInfo(assignment.timezone)
        quiet_since = datetime.combine(day + timedelta(days=1), time(0), tz)
        for step in inactive_steps:
            days = int(step["trigger"].get("days") or 1)
            minutes = int(step["trigger"].get("delay_minutes") or 0)
            # After N whole quiet days, at midnight plus the step's delay (e.g. 570 = 09:30).
            due = quiet_since + timedelta(days=days, minutes=minutes)
            if due > now:
                continue
            key = f"inactive:{day.isoformat()}"
            row = task_row(assignment.id, assignment.group_id, step, key, due.astimezone(UTC), now)
            row["assignee_id"] = assignees(assignment.group_id, row["role"])
            rows.append(row)
    return insert_tasks(rows)
