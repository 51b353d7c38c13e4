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
from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockJob:
    """One scheduled job: ``trigger`` builds its APScheduler trigger from the app config."""

    id: str
    description: str
    func: Callable[[], object]
    trigger: Callable[[Mapping[str, Any], ZoneInfo], BaseTrigger]


def nightly_full_sync() -> None:
    """Reconcile everything with WeCom (catches events WeCom never delivered)."""
    from scrm.sync.services import run_full_sync  # imported late: the worker starts without it

    run_full_sync(progress=lambda line: log.info("nightly sync: %s", line))


JOBS: tuple[ClockJob, ...] = (
    ClockJob(
        id="sync.nightly_full_sync",
        description="nightly full reconciliation sync with WeCom",
        func=nightly_full_sync,
        trigger=lambda config, tz: CronTrigger(
            hour=int(config["SYNC_NIGHTLY_HOUR"]), minute=0, timezone=tz
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
        scheduler.add_job(
            functools.partial(_run_in_app_context, app, job),
            trigger=job.trigger(app.config, tz),
            id=job.id,
            name=job.description,
            replace_existing=True,
        )
    return scheduler
