"""What the worker's clock runs for group operations, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from scrm.worker.schedule import ClockJob, daily_at, every

log = logging.getLogger(__name__)


def run_sop_tasks() -> None:
    """Send the SOP auto steps that are due, and mark to-dos missed whose day is over."""
    from scrm.db import utcnow
    from scrm.sop.tasks.execution import run_due_tasks
    from scrm.sop.tasks.todos import miss_overdue_todos

    now = utcnow()
    counts = run_due_tasks(now)
    missed = miss_overdue_todos(now)
    if counts or missed:
        log.info("SOP tasks run: %s, to-dos missed: %s", counts, missed)


def poll_sop_mass_messages() -> None:
    """Ask WeCom whether group owners confirmed the SOP mass messages (no callback exists)."""
    from scrm.db import utcnow
    from scrm.sop.tasks.results import poll_mass_message_results

    counts = poll_mass_message_results(utcnow())
    if counts:
        log.info("SOP mass-message results polled: %s", counts)


def run_sop_checkins() -> None:
    """Open the check-ins (群打卡) that fell due and close those whose window is over."""
    from scrm.db import utcnow
    from scrm.sop.checkins.services import close_due_checkins, open_due_checkins

    now = utcnow()
    opened, closed = open_due_checkins(now), close_due_checkins(now)
    if opened or closed:
        log.info("SOP check-ins opened: %s, closed: %s", opened, closed)


def materialise_sop_tasks() -> None:
    """Create the SOP tasks that fell due (exactly once per group, step and occurrence)."""
    from scrm.sop.tasks.materialise import materialise_due_tasks

    counts = materialise_due_tasks()
    if any(counts.get(key) for key in ("created", "late", "skipped")):
        log.info("SOP tasks materialised: %s", counts)


def recompute_todays_group_metrics() -> None:
    """Recompute today's group metrics (the dashboard's "today" is at most 15 minutes old),
    and yesterday's if the worker slept through its finalisation."""
    from datetime import timedelta

    from flask import current_app

    from scrm.sop.metrics.services import (
        compute_group_daily_metrics,
        finalise_group_daily_metrics,
        local_today,
    )

    tz = current_app.config["SCRM_TIMEZONE"]
    today = local_today(tz)
    compute_group_daily_metrics(today, tz=tz)
    if finalise_group_daily_metrics(today - timedelta(days=1), tz=tz) is not None:
        log.info("group metrics of yesterday finalised late (the clock was down)")


def finalise_yesterdays_group_metrics() -> None:
    """Compute yesterday's group metrics once the local day is over (members at its end)."""
    from datetime import timedelta

    from flask import current_app

    from scrm.sop.metrics.services import compute_group_daily_metrics, local_today

    tz = current_app.config["SCRM_TIMEZONE"]
    rows = compute_group_daily_metrics(local_today(tz) - timedelta(days=1), tz=tz)
    log.info("group metrics of yesterday finalised: %s groups", rows)


def _every_minute_on_the_minute(config: Mapping[str, Any], tz: ZoneInfo) -> IntervalTrigger:
    # Aligned to whole minutes, so a step due at 09:30 is created at 09:30:00, not 09:30:59.
    seconds = float(config.get("SOP_CLOCK_SECONDS", 60))
    start = datetime.now(tz).replace(second=0, microsecond=0)
    return IntervalTrigger(seconds=seconds, start_date=start, timezone=tz)


CLOCK_JOBS = (
    ClockJob(
        id="sop.materialise_due_tasks",
        description="create the SOP tasks that fell due, once per group, step and occurrence",
        func=materialise_sop_tasks,
        trigger=_every_minute_on_the_minute,
    ),
    ClockJob(
        id="sop.run_due_tasks",
        description="send due SOP auto steps through the gate; miss to-dos past their day",
        func=run_sop_tasks,
        trigger=every(minutes=1),
    ),
    ClockJob(
        id="sop.run_checkins",
        description="open due check-ins (群打卡) and close those whose window is over",
        func=run_sop_checkins,
        trigger=every(minutes=1),
    ),
    ClockJob(
        id="sop.poll_mass_message_results",
        description="poll WeCom for the group owners' confirmations of SOP mass messages",
        func=poll_sop_mass_messages,
        trigger=every(minutes=5),
    ),
    ClockJob(
        id="sop.recompute_todays_group_metrics",
        description="recompute today's group metrics (members, messages, SOP, check-ins)",
        func=recompute_todays_group_metrics,
        trigger=every(minutes=15),
    ),
    ClockJob(
        id="sop.finalise_yesterdays_group_metrics",
        description="finalise yesterday's group metrics after midnight",
        func=finalise_yesterdays_group_metrics,
        # 00:20 (FINALISE_AFTER): the day's to-dos were missed and late ingests came in.
        trigger=daily_at(0, 20),
    ),
)
