"""Clock jobs as packages declare them: :class:`ClockJob`, the trigger helpers, and the app's
list of jobs that each package's ``init_app`` fills.

Ids are stable so a job is replaced, not duplicated, when the scheduler restarts, and so
operators can name a job in logs. This module starts nothing: a package's ``jobs.py`` imports
it without pulling in the worker's runner.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

#: Where ``init_app`` keeps the app's clock jobs, in the order they were added.
EXTENSION = "scrm.clock_jobs"

Trigger = Callable[[Mapping[str, Any], ZoneInfo], BaseTrigger | None]


@dataclass(frozen=True)
class ClockJob:
    """One scheduled job: ``trigger`` builds its APScheduler trigger from the app config
    (``None``: the job is off in this configuration)."""

    id: str
    description: str
    func: Callable[[], object]
    trigger: Trigger


def every(minutes: int) -> Trigger:
    """A trigger every ``minutes`` minutes, counted from when the clock starts."""
    return lambda config, tz: IntervalTrigger(minutes=minutes, timezone=tz)


def daily_at(hour: int, minute: int) -> Trigger:
    """A trigger once a day at ``hour:minute`` in ``SCRM_TIMEZONE``."""
    return lambda config, tz: CronTrigger(hour=hour, minute=minute, timezone=tz)


def add_clock_jobs(app: Flask, jobs: Iterable[ClockJob]) -> None:
    """Add a package's jobs to the app's clock; a second job with a taken id is refused, so
    no package can replace another's job by accident."""
    known = app.extensions.setdefault(EXTENSION, {})
    for job in jobs:
        if job.id in known:
            raise ValueError(f"clock job id {job.id!r} is already taken")
        known[job.id] = job


def clock_jobs(app: Flask) -> tuple[ClockJob, ...]:
    """Every job the packages added to this app, in the order they were added."""
    return tuple(app.extensions.get(EXTENSION, {}).values())
