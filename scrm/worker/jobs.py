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
