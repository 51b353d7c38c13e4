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

from scrm.acquisition import jobs as acquisition_jobs
from scrm.archive.search import jobs as search_jobs
from scrm.campaigns import jobs as campaigns_jobs
from scrm.compliance.lexicon import services as lexicon_jobs
from scrm.custody import jobs as custody_jobs
from scrm.dashboards import jobs as dashboards_jobs
from scrm.moments import jobs as moments_jobs
from scrm.sop import jobs as sop_jobs

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
    from scrm.archive.ingest.services import pull_configured_archive  # late, like the sync above

    counts = pull_configured_archive()
    if counts:
        log.info("conversation archive pulled on the clock: %s", counts)


def _every(minutes: int):
    return lambda config, tz: IntervalTrigger(minutes=minutes, timezone=tz)


def _daily_at(hour: int, minute: int):
    return lambda config, tz: CronTrigger(hour=hour, minute=minute, timezone=tz)


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
        id="archive.index_for_search",
        description="index newly archived messages for archive search",
        func=search_jobs.index_archive_for_search,
        trigger=lambda config, tz: IntervalTrigger(seconds=5, timezone=tz),
    ),
    ClockJob(
        id="sop.materialise_due_tasks",
        description="create the SOP tasks that fell due, once per group, step and occurrence",
        func=sop_jobs.materialise_sop_tasks,
        trigger=_every_minute_on_the_minute,
    ),
    ClockJob(
        id="sop.run_due_tasks",
        description="send due SOP auto steps through the gate; miss to-dos past their day",
        func=sop_jobs.run_sop_tasks,
        trigger=_every(minutes=1),
    ),
    ClockJob(
        id="sop.run_checkins",
        description="open due check-ins (群打卡) and close those whose window is over",
        func=sop_jobs.run_sop_checkins,
        trigger=_every(minutes=1),
    ),
    ClockJob(
        id="sop.poll_mass_message_results",
        description="poll WeCom for the group owners' confirmations of SOP mass messages",
        func=sop_jobs.poll_sop_mass_messages,
        trigger=_every(minutes=5),
    ),
    ClockJob(
        id="sop.recompute_todays_group_metrics",
        description="recompute today's group metrics (members, messages, SOP, check-ins)",
        func=sop_jobs.recompute_todays_group_metrics,
        trigger=_every(minutes=15),
    ),
    ClockJob(
        id="sop.finalise_yesterdays_group_metrics",
        description="finalise yesterday's group metrics after midnight",
        func=sop_jobs.finalise_yesterdays_group_metrics,
        # 00:20 (FINALISE_AFTER): the day's to-dos were missed and late ingests came in.
        trigger=_daily_at(0, 20),
    ),
    ClockJob(
        id="dashboards.roll_up_rm_daily_metrics",
        description="roll up each RM's day for the dashboards (today; yesterday until final)",
        func=dashboards_jobs.roll_up_rm_daily_metrics,
        trigger=_every(minutes=15),
    ),
    ClockJob(
        id="moments.pull_engagement",
        description="pull likes and comments on moments; open and close 1v1 follow-ups",
        func=moments_jobs.pull_moment_engagement,
        trigger=_every(minutes=30),
    ),
    ClockJob(
        id="moments.poll_publications",
        description="poll WeCom for which RMs published the moments, and finish cancellations",
        func=moments_jobs.poll_moment_publications,
        trigger=_every(minutes=10),
    ),
    ClockJob(
        id="moments.remind_unpublished",
        description="remind RMs who have not published the central moments (16:00)",
        func=moments_jobs.remind_unpublished_moments,
        trigger=_daily_at(16, 0),
    ),
    ClockJob(
        id="compliance.snapshot_lexicon",
        description="keep the active lexicon version's content for diffs",
        func=lexicon_jobs.snapshot_active_lexicon,
        trigger=_every(minutes=5),
    ),
    ClockJob(
        id="acquisition.settle_welcome_messages",
        description="copy welcome-message outcomes onto channel adds; close bulk adds by 客户号",
        func=acquisition_jobs.settle_welcome_messages,
        trigger=_every(minutes=1),
    ),
    ClockJob(
        id="acquisition.remind_pending_adds",
        description="remind RMs of pending bulk adds (批量加好友, 09:30)",
        func=acquisition_jobs.remind_pending_adds,
        trigger=_daily_at(9, 30),
    ),
    ClockJob(
        id="acquisition.attribute_synced_follows",
        description="attribute channel adds the nightly sync saw and no event applied",
        func=acquisition_jobs.attribute_synced_follows,
        trigger=_daily_at(3, 0),
    ),
    ClockJob(
        id="campaigns.poll",
        description="poll WeCom for who confirmed open mass messages and what each customer got",
        func=campaigns_jobs.poll_mass_campaigns,
        trigger=_every(minutes=10),
    ),
    ClockJob(
        id="campaigns.remind_unconfirmed",
        description="remind RMs who have not confirmed an open mass message (15:00)",
        func=campaigns_jobs.remind_unconfirmed_campaigns,
        trigger=_daily_at(15, 0),
    ),
    ClockJob(
        id="custody.poll",
        description="follow handovers and inheritances (transfer_result); plan them for leavers",
        func=custody_jobs.poll_custody,
        trigger=_every(minutes=30),
    ),
)


def _run_in_app_context(app: Flask, job: ClockJob) -> None:
    from scrm.db import db

    with app.app_context():
        try:
            job.func()
            db.session.commit()  # the clock's one commit per job (scrm.db does requests, commands)
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
