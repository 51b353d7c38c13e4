"""SLA ageing of review cases (复核时效): how long each case still waiting for an officer has
waited, in age buckets, and which are overdue.

A case waits while it is open, claimed or escalated; its age counts from when it opened.
Bucket bounds come from ``REVIEW_SLA_BOUNDS_HOURS`` (default 4, 24, 72: under 4 h, 4–24 h,
24 h–3 d, over 3 d) and a case is overdue after ``REVIEW_SLA_OVERDUE_HOURS`` (default 24).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, func, select

from scrm.compliance.review.models import CLAIMED, ESCALATED, OPEN, ReviewCase
from scrm.db import db
from scrm.errors import ScrmError

#: Statuses in which a case is still waiting for someone.
WAITING = (OPEN, CLAIMED, ESCALATED)
DEFAULT_BOUNDS_HOURS = (4, 24, 72)
DEFAULT_OVERDUE_HOURS = 24


@dataclass(frozen=True)
class Bucket:
    """One age bucket: cases at least ``low`` and under ``high`` hours old (no high: open)."""

    label: str
    low: float
    high: float | None

    def opened_between(self, now: datetime) -> tuple[datetime | None, datetime]:
        """The ``opened_at`` range of the bucket at ``now``: (after, at or before)."""
        after = now - timedelta(hours=self.high) if self.high is not None else None
        return after, now - timedelta(hours=self.low)


def _hours(value: float) -> str:
    if value >= 48 and value % 24 == 0:
        return f"{int(value // 24)}d"
    return f"{value:g}h"


def sla_bounds() -> tuple[tuple[float, ...], float]:
    """The configured bucket bounds (hours, ascending) and the overdue threshold (hours).

    :raise ScrmError: a setting that is not ascending positive numbers names the fix.
    """
    config = current_app.config if has_app_context() else {}
    bounds = config.get("REVIEW_SLA_BOUNDS_HOURS", DEFAULT_BOUNDS_HOURS)
    overdue = config.get("REVIEW_SLA_OVERDUE_HOURS", DEFAULT_OVERDUE_HOURS)
    try:
        bounds = tuple(float(b) for b in bounds)
        overdue = float(overdue)
    except (TypeError, ValueError):
        bounds = ()
    if not bounds or any(b <= 0 for b in bounds) or list(bounds) != sorted(set(bounds)):
        raise ScrmError(
            "REVIEW_SLA_BOUNDS_HOURS must be ascending positive hours, e.g. [4, 24, 72]",
            status_code=500,
        )
    return bounds, overdue


def sla_buckets(bounds: Sequence[float] | None = None) -> list[Bucket]:
    """The age buckets, youngest first: ``<4h``, ``4h-24h``, ``24h-3d``, ``>3d`` by default."""
    bounds = tuple(bounds) if bounds is not None else sla_bounds()[0]
    buckets = [Bucket(f"<{_hours(bounds[0])}", 0, bounds[0])]
    for low, high in zip(bounds, bounds[1:], strict=False):
        buckets.append(Bucket(f"{_hours(low)}-{_hours(high)}", low, high))
    buckets.append(Bucket(f">{_hours(bounds[-1])}", bounds[-1], None))
    return buckets


def bucket_named(label: str) -> Bucket:
    """The bucket with this label.

    :raise ScrmError: an unknown label, listing the known ones.
    """
    buckets = sla_buckets()
    for bucket in buckets:
        if bucket.label == label:
            return bucket
    raise ScrmError(f"age bucket must be one of {', '.join(b.label for b in buckets)}")


def age_of(case: ReviewCase, now: datetime) -> dict:
    """A case's age in hours, its bucket and whether it is overdue (only waiting cases age)."""
    hours = (now - case.opened_at).total_seconds() / 3600
    bounds, overdue = sla_bounds()
    waiting = case.status in WAITING
    label = next(b.label for b in sla_buckets(bounds) if b.high is None or hours < b.high)
    return {
        "age_hours": round(hours, 2),
        "bucket": label if waiting else None,
        "overdue": waiting and hours >= overdue,
    }


def sla_summary(now: datetime, branch_ids: Sequence[int] | None = None) -> dict:
    """Counts of waiting cases per age bucket, and of overdue ones.

    :param now: the clock to age against (tests pass a fixed one).
    :param branch_ids: only cases of these branches; ``None`` for the whole bank.
    """
    bounds, overdue_hours = sla_bounds()
    waiting = [ReviewCase.status.in_(WAITING)]
    if branch_ids is not None:
        waiting.append(ReviewCase.branch_id.in_(list(branch_ids)))
    rows = []
    for bucket in sla_buckets(bounds):
        after, until = bucket.opened_between(now)
        where = [*waiting, ReviewCase.opened_at <= until]
        if after is not None:
            where.append(ReviewCase.opened_at > after)
        count = db.session.scalar(select(func.count(ReviewCase.id)).where(and_(*where)))
        rows.append({"bucket": bucket.label, "count": count})
    overdue = db.session.scalar(
        select(func.count(ReviewCase.id)).where(
            *waiting, ReviewCase.opened_at <= now - timedelta(hours=overdue_hours)
        )
    )
    return {
        "now": now.isoformat(),
        "bounds_hours": list(bounds),
        "overdue_hours": overdue_hours,
        "waiting": sum(r["count"] for r in rows),
        "overdue": overdue,
        "buckets": rows,
    }
