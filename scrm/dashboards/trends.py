"""One metric of one node over time, by day, ISO week (Monday first) or calendar month.

Periods are cut at the range's ends. Within a period flows are summed, stocks (customers,
groups, members) are the period's last day, and rates and reply times are computed from the
period's sums, exactly as the overview computes a range.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy import case, func, or_, select

from scrm.dashboards import metrics
from scrm.dashboards.models import RmDailyMetric as Row
from scrm.dashboards.nodes import Node
from scrm.dashboards.response_times import merge
from scrm.db import db
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.metrics.rollup import rollup

GRAINS = ("day", "week", "month")


def periods(start: date, end: date, grain: str) -> list[tuple[str, date, date]]:
    """The periods (label, first day, last day) covering ``start``…``end``, cut at its ends.

    :raise ValueError: an unknown grain.
    """
    if grain not in GRAINS:
        raise ValueError(f'"grain" {grain!r} is unknown; use one of {", ".join(GRAINS)}')
    found, first = [], start
    while first <= end:
        if grain == "day":
            last, label = first, first.isoformat()
        elif grain == "week":
            last = first + timedelta(days=6 - first.weekday())
            year, week, _ = first.isocalendar()
            label = f"{year}-W{week:02d}"
        else:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last, label = following - timedelta(days=1), f"{first.year}-{first.month:02d}"
        last = min(last, end)
        found.append((label, first, last))
        first = last + timedelta(days=1)
    return found


def trend(node: Node, metric: str, start: date, end: date, grain: str) -> list[dict]:
    """The points of ``metric`` for ``node``: period label, first and last day, value.

    :raise ValueError: an unknown grain.
    """
    cuts = periods(start, end, grain)
    if node.level == "group":
        by_day, histograms = _group_days(node, start, end), {}
    else:
        by_day, histograms = _rm_days(node, start, end)
    points = []
    for label, first, last in cuts:
        sums, histogram = metrics.empty_sums(), Counter()
        day = first
        while day <= last:
            numbers = by_day.get(day, {})
            metrics.add_sums(sums, {name: numbers.get(name, 0) for name in metrics.FLOWS})
            histogram.update(histograms.get(day, {}))
            day += timedelta(days=1)
        final = by_day.get(last, {})
        for name in metrics.STOCKS:
            sums[f"end_{name}"] = final.get(f"end_{name}", 0)
        values = metrics.finish(
            sums, histogram, (last - first).days + 1, per_group=node.level == "group"
        )
        points.append(
            {
                "period": label,
                "start": first.isoformat(),
                "end": last.isoformat(),
                "value": values[metric],
            }
        )
    return points


def _rm_days(node: Node, start: date, end: date):
    conditions = [Row.day >= start, Row.day <= end]
    if node.departments is not None:
        conditions.append(Row.department_id.in_(node.departments))
    if node.staff_id is not None:
        conditions.append(Row.staff_id == node.staff_id)
    query = select(
        Row.day,
        *(func.sum(getattr(Row, name)).label(name) for name in metrics.FLOWS),
        *(func.sum(getattr(Row, name)).label(f"end_{name}") for name in metrics.STOCKS),
    ).where(*conditions)
    by_day = {
        row.day: {key: int(value or 0) for key, value in row._mapping.items() if key != "day"}
        for row in db.session.execute(query.group_by(Row.day))
    }
    histograms: dict = defaultdict(Counter)
    query = select(Row.day, Row.response_minutes).where(*conditions, Row.responses > 0)
    for day, histogram in db.session.execute(query):
        histograms[day].update(merge([histogram]))
    return by_day, histograms


def _group_days(node: Node, start: date, end: date) -> dict:
    scope = {"group_ids": [node.group_id]}
    if node.departments is not None:
        scope["department_ids"] = node.departments
    by_day = {}
    for row in rollup("day", start, end, **scope):
        numbers = {name: row[name] for name in metrics.FROM_GROUPS}
        numbers["end_members"] = row["members"]
        by_day[date.fromisoformat(row["day"])] = numbers
    metric = GroupDailyMetric
    active = or_(metric.messages > 0, metric.active_speakers > 0)
    query = select(
        metric.day, func.count().label("groups"), func.sum(case((active, 1), else_=0))
    ).where(metric.day >= start, metric.day <= end, metric.group_id == node.group_id)
    if node.departments is not None:
        query = query.where(metric.department_id.in_(node.departments))
    for day, groups, active_groups in db.session.execute(query.group_by(metric.day)):
        by_day.setdefault(day, {}).update(
            groups=groups, end_groups=groups, active_groups=int(active_groups or 0)
        )
    return by_day
