"""WeCom's one mass message per customer group per day, as the SOP engine sees it.

What holds a group's day: an auto step queued, waiting for the owner, or sent that local day,
or a check-in summary posted that day. Whoever asks second gets a conflict naming the holder,
instead of a message WeCom would silently drop (send-result status 3).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scrm.db import db
from scrm.sop.checkins.models import CheckIn
from scrm.sop.models import (
    AUTO,
    TASK_AWAITING_OWNER,
    TASK_DONE,
    TASK_LATE,
    TASK_QUEUED,
    SopTask,
)
from scrm.sop.tasks.schedule import local_day_bounds

#: Auto-task states that use up the group's mass message for their day.
HOLDS_THE_DAY = (TASK_QUEUED, TASK_AWAITING_OWNER, TASK_DONE, TASK_LATE)


def local_day_of(when: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The start and end of ``when``'s calendar day in ``timezone``, as aware datetimes in that
    zone (so ``.date()`` is the local day)."""
    zone = ZoneInfo(timezone)
    start, end = local_day_bounds(when.astimezone(zone).date(), zone)
    return start.astimezone(zone), end.astimezone(zone)


def day_holder(
    group_id: int,
    start: datetime,
    end: datetime,
    *,
    except_task: int | None = None,
    except_checkin: int | None = None,
) -> str | None:
    """What already holds the group's mass message between ``start`` and ``end``.

    :param except_task: the asking task, which does not hold its own day.
    :param except_checkin: the asking check-in, likewise.
    :return: a description naming the holder ("payroll/payday (2026-03-02T09:00)" or
        "check-in 7's summary"), or ``None`` when the day is free.
    """
    task = db.session.scalars(
        select(SopTask)
        .where(
            SopTask.group_id == group_id,
            SopTask.mode == AUTO,
            SopTask.id != (except_task or 0),
            SopTask.status.in_(HOLDS_THE_DAY),
            SopTask.due_at >= start,
            SopTask.due_at < end,
        )
        .order_by(SopTask.due_at, SopTask.id)
        .limit(1)
    ).first()
    if task is not None:
        return f"{task.step_key} ({task.occurrence})"
    checkin = db.session.scalar(
        select(CheckIn.id).where(
            CheckIn.group_id == group_id,
            CheckIn.id != (except_checkin or 0),
            CheckIn.summary_archived_message_id.is_not(None),
            CheckIn.closes_at >= start,
            CheckIn.closes_at < end,
        )
    )
    return f"check-in {checkin}'s summary" if checkin is not None else None
