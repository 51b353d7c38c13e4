"""SOP to-dos (待办): a role holder does the step from the sidebar, or it is missed when its
local day ends. Guarded updates on status make both idempotent and safe on two workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.sop.models import TASK_DONE, TASK_LATE, TASK_MISSED, TASK_PENDING, TODO, SopTask
from scrm.sop.tasks.execution import grace_deadline, local_day, settle_task, step_of


class TodoError(ScrmError, ValueError):
    """A to-do that cannot be completed as asked; the message names the fix."""


def complete_todo(
    task: SopTask,
    *,
    by_staff: Staff,
    archived_message_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """Mark a to-do done by its holder (the sidebar calls this after the send); flushes.

    Done within the step's grace window → ``done``; later (even after it was marked missed)
    → ``late``. Completing a finished to-do again changes nothing.

    :param by_staff: who did it.
    :param archived_message_id: the archive row of what they sent, when they sent something.
    :raise TodoError: the task is not a to-do.
    :raise StepContentError: its template version no longer has the step.
    :return: the task's status afterwards.
    """
    if task.mode != TODO:
        raise TodoError(
            f"task {task.id} is a {task.mode} step, not a to-do; only to-dos are completed by "
            "their holder"
        )
    now = now or utcnow()
    on_time = task.status == TASK_PENDING and now <= grace_deadline(task, step_of(task))
    settle_task(
        task.id,
        (TASK_PENDING, TASK_MISSED),
        status=TASK_DONE if on_time else TASK_LATE,
        finished_at=now,
        note=f"done by {by_staff.userid}",
        archived_message_id=archived_message_id,
    )
    db.session.refresh(task)
    return task.status


def miss_overdue_todos(now: datetime, *, limit: int = 5000) -> int:
    """Mark to-dos still pending after the end of their local due day as ``missed``; flushes.

    :return: how many were marked.
    """
    tasks = db.session.scalars(
        select(SopTask)
        .where(SopTask.mode == TODO, SopTask.status == TASK_PENDING, SopTask.due_at <= now)
        .order_by(SopTask.due_at, SopTask.id)
        .limit(limit)
    ).all()
    missed = 0
    for task in tasks:
        start, end = local_day(task)
        if now < end:
            continue
        note = f"not done by the end of {start.date().isoformat()} ({task.assignment.timezone})"
        if settle_task(task.id, (TASK_PENDING,), status=TASK_MISSED, finished_at=end, note=note):
            missed += 1
    db.session.flush()
    return missed
