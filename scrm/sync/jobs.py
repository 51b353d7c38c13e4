"""What the worker's clock runs for the sync: the nightly full reconciliation."""

from __future__ import annotations

import logging

from apscheduler.triggers.cron import CronTrigger

from scrm.worker.schedule import ClockJob

log = logging.getLogger(__name__)


def nightly_full_sync() -> None:
    """Reconcile everything with WeCom (catches events WeCom never delivered)."""
    from scrm.sync.services import run_full_sync  # imported late: the worker starts without it

    run_full_sync(progress=lambda line: log.info("nightly sync: %s", line))


CLOCK_JOBS = (
    ClockJob(
        id="sync.nightly_full_sync",
        description="nightly full reconciliation sync with WeCom",
        func=nightly_full_sync,
        trigger=lambda config, tz: CronTrigger(
            hour=int(config["SYNC_NIGHTLY_HOUR"]), minute=0, timezone=tz
        ),
    ),
)
