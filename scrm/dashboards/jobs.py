"""What the worker's clock runs for the dashboards, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

import logging

from scrm.worker.schedule import ClockJob, every

log = logging.getLogger(__name__)


def roll_up_rm_daily_metrics() -> None:
    """Recompute today's RM rollup, and yesterday's until it is final (computed after the
    group metrics finalised it, i.e. after 00:20 plus a margin)."""
    from datetime import timedelta

    from flask import current_app
    from sqlalchemy import func, select

    from scrm.dashboards.models import RmDailyMetric
    from scrm.dashboards.services import compute_rm_daily_metrics
    from scrm.db import db, utcnow
    from scrm.sop.metrics.services import FINALISE_AFTER, local_day_bounds, local_today

    tz = current_app.config["SCRM_TIMEZONE"]
    today = local_today(tz)
    compute_rm_daily_metrics(today, tz=tz)
    yesterday = today - timedelta(days=1)
    _, ended = local_day_bounds(yesterday, tz)
    final_after = ended + FINALISE_AFTER + timedelta(minutes=10)
    last = db.session.scalar(
        select(func.max(RmDailyMetric.computed_at)).where(RmDailyMetric.day == yesterday)
    )
    if utcnow() >= final_after and (last is None or last < final_after):
        rows = compute_rm_daily_metrics(yesterday, tz=tz)
        log.info("RM daily metrics of %s finalised: %s rows", yesterday, rows)


CLOCK_JOBS = (
    ClockJob(
        id="dashboards.roll_up_rm_daily_metrics",
        description="roll up each RM's day for the dashboards (today; yesterday until final)",
        func=roll_up_rm_daily_metrics,
        trigger=every(minutes=15),
    ),
)
