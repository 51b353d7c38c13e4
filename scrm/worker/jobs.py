"""What the clock runs: a declarative list of jobs with stable ids.

Ids are stable so a job is replaced, not duplicated, when the scheduler restarts, and so
operators can name a job in logs. Each job runs in its own app context (its own database
session) on an APScheduler pool thread. Add a job by appending a :class:`ClockJob`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockJob:
    """One scheduled job: ``trigger`` builds its APScheduler trigger from the app config
    (``None``: the job is off in this configuration)."""

    id: str
    description: str
    func: Callable[[], object]
    trigger: Callable[[Mapping[str, Any], ZoneInfo], BaseTrigger | None]


def nightly_full_sync() -> None:
    """Reconcile everything with WeCom (catches events WeCom never delivered)."""
    from scrm.sync.services import run_full_sync  # imported late: the worker starts without it

    run_full_sync(progress=lambda line: log.info("nightly sync: %s", line))


def pull_conversation_archive() -> None:
    """Read what RMs typed in WeCom since the last pull (会话内容存档), when ingest is on.

    msgaudit_notify also triggers a pull; this timer catches what a lost notify left behind.
    """
    from scrm.archive.ingest import pull_configured_archive  # late, like the sync above

    counts = pull_configured_archive()
    if counts:
        log.info("conversation archive pulled on the clock: %s", counts)


def run_sop_tasks() -> None:
    """Send the SOP auto steps that are due, and mark to-dos missed whose day is over."""
    from scrm.db import utcnow
    from scrm.sop.execution import run_due_tasks
    from scrm.sop.todos import miss_overdue_todos

    now = utcnow()
    counts = run_due_tasks(now)
    missed = miss_overdue_todos(now)
    if counts or missed:
        log.info("SOP tasks run: %s, to-dos missed: %s", counts, missed)


def poll_sop_mass_messages() -> None:
    """Ask WeCom whether group owners confirmed the SOP mass messages (no callback exists)."""
    from scrm.db import utcnow
    from scrm.sop.results import poll_mass_message_results

    counts = poll_mass_message_results(utcnow())
    if counts:
        log.info("SOP mass-message results polled: %s", counts)


def run_sop_checkins() -> None:
    """Open the check-ins (群打卡) that fell due and close those whose window is over."""
    from scrm.db import utcnow
    from scrm.sop.checkins import close_due_checkins, open_due_checkins

    now = utcnow()
    opened, closed = open_due_checkins(now), close_due_checkins(now)
    if opened or closed:
        log.info("SOP check-ins opened: %s, closed: %s", opened, closed)


def materialise_sop_tasks() -> None:
    """Create the SOP tasks that fell due (exactly once per group, step and occurrence)."""
    from scrm.sop.clock import materialise_due_tasks  # late, like the sync above

    counts = materialise_due_tasks()
    if any(counts.get(key) for key in ("created", "late", "skipped")):
        log.info("SOP tasks materialised: %s", counts)


def recompute_todays_group_metrics() -> None:
    """Recompute today's group metrics (the dashboard's "today" is at most 15 minutes old),
    and yesterday's if the worker slept through its finalisation."""
    from datetime import timedelta

    from flask import current_app

    from scrm.sop.metrics import (
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

    from scrm.sop.metrics import compute_group_daily_metrics, local_today

    tz = current_app.config["SCRM_TIMEZONE"]
    rows = compute_group_daily_metrics(local_today(tz) - timedelta(days=1), tz=tz)
    log.info("group metrics of yesterday finalised: %s groups", rows)


def pull_moment_engagement() -> None:
    """Pull likes and comments on recent moments posts, open the commenters' follow-ups,
    and close those the RM answered in a 1v1 chat (seen in the archive)."""
    from scrm.db import utcnow
    from scrm.moments.engagement import (
        PULL_WINDOW,
        close_follow_ups_from_archive,
        pull_interactions,
    )

    now = utcnow()
    counts = pull_interactions(now)
    # Comments arrive up to a week after a post; give the RM a week more to answer.
    closed = close_follow_ups_from_archive(now - 2 * PULL_WINDOW)
    if any(counts.values()) or closed:
        log.info("moments engagement pulled: %s, follow-ups closed: %s", counts, closed)


def poll_moment_publications() -> None:
    """Ask WeCom which RMs published the recent central moments (no callback exists)."""
    from scrm.db import utcnow
    from scrm.moments.tracking import poll_publications

    counts = poll_publications(utcnow())
    if counts.get("published") or counts.get("failed"):
        log.info("central moments polled: %s", counts)


def remind_unpublished_moments() -> None:
    """Remind the RMs who have not published the recent central moments (once a day each)."""
    from scrm.db import utcnow
    from scrm.moments.tracking import poll_publications, remind_all_unpublished

    now = utcnow()
    poll_publications(now)  # nobody is reminded of a post they published this afternoon
    reminded = remind_all_unpublished(now)
    if any(reminded.values()):
        log.info("central moments reminders queued: %s", reminded)


def _every_minute_on_the_minute(config: Mapping[str, Any], tz: ZoneInfo) -> IntervalTrigger:
    # Aligned to whole minutes, so a step due at 09:30 is created at 09:30:00, not 09:30:59.
    seconds = float(config.get("SOP_CLOCK_SECONDS", 60))
    start = datetime.now(tz).replace(second=0, microsecond=0)
    return IntervalTrigger(seconds=seconds, start_date=start, timezone=tz)


JOBS: tuple[ClockJob, ...] = (
    ClockJob(
        id="sync.nightly_full_sync",
        description="nightly full reconciliation sync with WeCom",
        func=nightly_full_sync,
        trigger=lambda config, tz: CronTrigger(
            hour=int(config["SYNC_NIGHTLY_HOUR"]), minute=0, timezone=tz
        ),
    ),
    ClockJob(
        id="archive.pull_conversation_archive",
        description="pull the conversation archive (会话内容存档) and scan what RMs typed",
        func=pull_conversation_archive,
        trigger=lambda config, tz: (
            IntervalTrigger(seconds=float(config["ARCHIVE_PULL_SECONDS"]), timezone=tz)
            if config.get("ARCHIVE_SOURCE")
            else None
        ),
    ),
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
        trigger=lambda config, tz: IntervalTrigger(minutes=1, timezone=tz),
    ),
    ClockJob(
        id="sop.run_checkins",
        description="open due check-ins (群打卡) and close those whose window is over",
        func=run_sop_checkins,
        trigger=lambda config, tz: IntervalTrigger(minutes=1, timezone=tz),
    ),
    ClockJob(
        id="sop.poll_mass_message_results",
        description="poll WeCom for the group owners' confirmations of SOP mass messages",
        func=poll_sop_mass_messages,
        trigger=lambda config, tz: IntervalTrigger(minutes=5, timezone=tz),
    ),
    ClockJob(
        id="sop.recompute_todays_group_metrics",
        description="recompute today's group metrics (members, messages, SOP, check-ins)",
        func=recompute_todays_group_metrics,
        trigger=lambda config, tz: IntervalTrigger(minutes=15, timezone=tz),
    ),
    ClockJob(
        id="sop.finalise_yesterdays_group_metrics",
        description="finalise yesterday's group metrics after midnight",
        func=finalise_yesterdays_group_metrics,
        # 00:20 (FINALISE_AFTER): the day's to-dos were missed and late ingests came in.
        trigger=lambda config, tz: CronTrigger(hour=0, minute=20, timezone=tz),
    ),
    ClockJob(
        id="moments.pull_engagement",
        description="pull likes and comments on moments; open and close 1v1 follow-ups",
        func=pull_moment_engagement,
        trigger=lambda config, tz: IntervalTrigger(minutes=30, timezone=tz),
    ),
    ClockJob(
        id="moments.poll_publications",
        description="poll WeCom for which RMs published the central moments",
        func=poll_moment_publications,
        trigger=lambda config, tz: IntervalTrigger(minutes=10, timezone=tz),
    ),
    ClockJob(
        id="moments.remind_unpublished",
        description="remind RMs who have not published the central moments (16:00)",
        func=remind_unpublished_moments,
        trigger=lambda config, tz: CronTrigger(hour=16, minute=0, timezone=tz),
    ),
)


def _run_in_app_context(app: Flask, job: ClockJob) -> None:
    from scrm.db import db

    with app.app_context():
        try:
            job.func()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("clock job %s failed", job.id)
            raise


def build_scheduler(app: Flask, jobs: tuple[ClockJob, ...] = JOBS) -> BackgroundScheduler:
    """A scheduler (not started) in ``SCRM_TIMEZONE`` holding every job of ``jobs``.

    A job that was due while no worker led runs once when the clock resumes within an hour
    (coalesced); one job never runs twice at the same time.
    """
    tz = ZoneInfo(app.config["SCRM_TIMEZONE"])
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in jobs:
        trigger = job.trigger(app.config, tz)
        if trigger is None:
            continue
        scheduler.add_job(
            functools.partial(_run_in_app_context, app, job),
            trigger=trigger,
            id=job.id,
            name=job.description,
            replace_existing=True,
        )
    return scheduler
