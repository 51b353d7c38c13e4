"""What the clock runs: the jobs the packages added to the app (see :mod:`scrm.worker.schedule`).

Each package declares its :class:`~scrm.worker.schedule.ClockJob` list in its own ``jobs.py``
and adds it in its ``init_app``; nothing here names a domain. Each job runs in its own app
context (its own database session) on an APScheduler pool thread.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from scrm.worker.schedule import ClockJob, clock_jobs

log = logging.getLogger(__name__)


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


def build_scheduler(app: Flask, jobs: Iterable[ClockJob] | None = None) -> BackgroundScheduler:
    """A scheduler (not started) in ``SCRM_TIMEZONE`` holding every job of ``jobs`` (default:
    the app's clock jobs).

    A job that was due while no worker led runs once when the clock resumes within an hour
    (coalesced); one job never runs twice at the same time.
    """
    tz = ZoneInfo(app.config["SCRM_TIMEZONE"])
    scheduler = BackgroundScheduler(
        timezone=tz,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for job in clock_jobs(app) if jobs is None else jobs:
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
