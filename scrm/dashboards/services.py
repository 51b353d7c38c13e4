"""Fill ``rm_daily_metric``: one row per member of staff per local day (客户经理日指标).

The group columns are read from ``group_daily_metric`` (through the SOP metrics rollup), so
run this after the group metrics of the day are computed; the worker does both every 15
minutes. The other columns are counted here, one GROUP BY per source:

- customers: follows active at the end of the day (not half-added, not a failed handover);
  new ones followed that day; lost ones removed that day, handovers to a colleague excepted;
- moments: central or own posts of that day the RM published; likes and comments WeCom
  reported that day on the RM's copies; follow-ups opened and done that day;
- replies to customers in 1v1 chats (:mod:`scrm.dashboards.response_times`);
- what the RM sent that day, as archived (gate attempts and what the conversation archive
  read back; gate releases are counted once read back), and how many of those had hits.

Rows of the day are replaced as a whole, so computing a day again gives the same rows and
drops an RM whose numbers fell to nothing. Groups without an owner are not counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import case, delete, func, or_, select

from scrm.dashboards import sources
from scrm.dashboards.metrics import FROM_GROUPS
from scrm.dashboards.models import RmDailyMetric
from scrm.dashboards.response_times import response_histograms
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.metrics.services import local_day_bounds, rollup

#: Columns copied from the RM's groups' daily metrics.
GROUP_COLUMNS = ("members", *FROM_GROUPS)
COUNTED = (
    "customers",
    "new_customers",
    "lost_customers",
    "groups",
    "active_groups",
    *GROUP_COLUMNS,
    "moments_published",
    "moment_likes",
    "moment_comments",
    "follow_ups_opened",
    "follow_ups_done",
    "responses",
    "sent_messages",
    "hit_messages",
)


def compute_rm_daily_metrics(day: date, *, tz: str = "Asia/Shanghai") -> int:
    """Compute and store every member of staff's numbers for the local ``day``; flushes, the
    caller commits.

    :param day: the local date.
    :param tz: the bank's time zone (``SCRM_TIMEZONE``).
    :return: the number of rows written (staff with anything to count that day).
    """
    start, end = local_day_bounds(day, tz)
    staff = {
        row.userid: (row.id, row.department_id)
        for row in db.session.execute(select(Staff.userid, Staff.id, Staff.department_id))
    }
    by_id = {staff_id: department for staff_id, department in staff.values()}
    counts: dict[int, dict] = defaultdict(dict)
    departments = _group_counts(day, counts)
    for source in (sources.customer_counts, sources.follow_up_counts):
        for row in db.session.execute(source(start, end)):
            counts[row.staff_id].update((k, v) for k, v in row._mapping.items() if k != "staff_id")
    for row in db.session.execute(sources.publication_counts(day)):
        counts[row.staff_id]["moments_published"] = row.moments_published
    by_userid: dict[str, dict] = defaultdict(dict)
    for row in db.session.execute(sources.interaction_counts(start, end)):
        by_userid[row.staff_userid].update(moment_likes=row.likes, moment_comments=row.comments)
    for row in db.session.execute(sources.sent_counts(start, end)):
        by_userid[row.sender].update(sent_messages=row.sent, hit_messages=row.hits)
    for userid, histogram in response_histograms(start, end).items():
        by_userid[userid].update(responses=sum(histogram.values()), response_minutes=histogram)
    for userid, numbers in by_userid.items():
        if userid in staff:
            counts[staff[userid][0]].update(numbers)
    stored = dict(
        db.session.execute(
            select(RmDailyMetric.staff_id, RmDailyMetric.department_id).where(
                RmDailyMetric.day == day
            )
        ).all()
    )
    computed_at = utcnow()
    rows = []
    for staff_id, numbers in counts.items():
        values = {name: int(numbers.get(name) or 0) for name in COUNTED}
        if staff_id not in by_id or not any(values.values()):
            continue
        histogram = numbers.get("response_minutes") or {}
        department = departments.get(staff_id, stored.get(staff_id, by_id[staff_id]))
        rows.append(
            {
                "staff_id": staff_id,
                "day": day,
                "department_id": department,
                **values,
                "response_minutes": {str(k): v for k, v in sorted(histogram.items())},
                "computed_at": computed_at,
            }
        )
    db.session.execute(delete(RmDailyMetric).where(RmDailyMetric.day == day))
    if rows:
        db.session.execute(RmDailyMetric.__table__.insert(), rows)
    db.session.flush()
    return len(rows)


def compute_rm_daily_metrics_between(first: date, last: date, *, tz: str = "Asia/Shanghai"):
    """Compute every day from ``first`` to ``last`` (inclusive); flushes, the caller commits.

    :return: rows written per day.
    :raise ValueError: ``first`` is after ``last``.
    """
    if first > last:
        raise ValueError(f"{first} is after {last}; give the earlier day first")
    written = {}
    day = first
    while day <= last:
        written[day] = compute_rm_daily_metrics(day, tz=tz)
        day += timedelta(days=1)
    return written


def _group_counts(day: date, counts: dict[int, dict]) -> dict[int, int | None]:
    """Add the RMs' group numbers to ``counts``; return each RM's sub-branch that day."""
    for row in rollup("rm", day, day):
        if row["owner_id"] is not None:
            counts[row["owner_id"]].update({name: row[name] for name in GROUP_COLUMNS})
    metric = GroupDailyMetric
    active = or_(metric.messages > 0, metric.active_speakers > 0)
    query = (
        select(
            metric.owner_id,
            func.count().label("groups"),
            func.sum(case((active, 1), else_=0)).label("active_groups"),
            func.max(metric.department_id).label("department_id"),
        )
        .where(metric.day == day, metric.owner_id.is_not(None))
        .group_by(metric.owner_id)
    )
    departments = {}
    for row in db.session.execute(query):
        counts[row.owner_id].update(groups=row.groups, active_groups=row.active_groups)
        departments[row.owner_id] = row.department_id
    return departments
