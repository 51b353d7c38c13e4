"""Group metrics over a date range, per group, RM, sub-branch (支行), branch (分行) or day.

One indexed GROUP BY over ``group_daily_metric``; branches are folded from sub-branches in
Python with a department → branch map built once from the department table. Flows (joins,
leaves, messages, SOP tasks, check-ins) are summed over the range; ``members`` is the value
on the range's last day, not a sum (a group dismissed before then counts 0);
``active_speakers`` sums each day's distinct speakers (speaker-days).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import case, func, select

from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.services import branch_of_departments
from scrm.errors import ScrmError
from scrm.groups.models import CustomerGroup
from scrm.sop.metrics.models import GROUP_COUNTS, GROUP_FLOWS
from scrm.sop.metrics.models import GroupDailyMetric as Metric

LEVELS = ("group", "rm", "sub_branch", "branch", "day")
#: The name shown for rows without an owner or department.
UNASSIGNED = "未分配"

_KEYS = {
    "group": ("group_id", Metric.group_id),
    "rm": ("owner_id", Metric.owner_id),
    "sub_branch": ("department_id", Metric.department_id),
    "branch": ("branch_id", Metric.department_id),
    "day": ("day", Metric.day),
}


class RollupError(ScrmError, ValueError):
    """A rollup asked for an unknown level or a backwards range; the message names the fix."""


def rollup(
    level: str,
    start: date,
    end: date,
    *,
    department_ids: Iterable[int] | None = None,
    owner_ids: Iterable[int] | None = None,
    group_ids: Iterable[int] | None = None,
) -> list[dict]:
    """The metrics of ``start``…``end`` (inclusive) per ``level``, within the caller's scope.

    :param level: ``group``, ``rm``, ``sub_branch``, ``branch`` or ``day``.
    :param department_ids: only groups whose owner's department (sub-branch) is one of these;
        the caller expands a branch into its sub-branches.
    :param owner_ids: only groups owned by these members of staff.
    :param group_ids: only these groups.
    :return: one dict per key, sorted by key: the key (``group_id``, ``owner_id``,
        ``department_id``, ``branch_id`` or ``day``), ``name``, ``members``, every flow,
        ``growth`` (joins − leaves) and ``completion_rate`` (on time + late over due; ``None``
        when nothing was due).
    :raise RollupError: an unknown level, or ``start`` after ``end``.
    """
    if level not in LEVELS:
        raise RollupError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    if start > end:
        raise RollupError(f"start {start} is after end {end}; give the earlier date first")
    key_name, key_column = _KEYS[level]
    members = (
        func.sum(Metric.members)
        if level == "day"
        else func.sum(case((Metric.day == end, Metric.members), else_=0))
    )
    query = (
        select(
            key_column.label("key"),
            members.label("members"),
            *(func.sum(getattr(Metric, name)).label(name) for name in GROUP_FLOWS),
        )
        .where(Metric.day >= start, Metric.day <= end)
        .group_by(key_column)
    )
    for column, wanted in (
        (Metric.department_id, department_ids),
        (Metric.owner_id, owner_ids),
        (Metric.group_id, group_ids),
    ):
        if wanted is not None:
            query = query.where(column.in_(list(wanted)))
    totals = {row.key: _numbers(row._mapping) for row in db.session.execute(query)}
    if level == "branch":
        totals = _fold_into_branches(totals)
    names = _names(level, totals.keys())
    rows = []
    for key in sorted(totals, key=lambda k: (k is None, k)):
        row = {key_name: key.isoformat() if level == "day" else key}
        if level != "day":
            row["name"] = names.get(key, UNASSIGNED)
        rows.append(_finish(row | totals[key]))
    return rows


def _numbers(mapping) -> dict:
    return {name: int(mapping[name] or 0) for name in GROUP_COUNTS}


def _fold_into_branches(by_department: dict) -> dict:
    branches = branch_of_departments()
    folded: dict = {}
    for department, numbers in by_department.items():
        branch = branches.get(department)
        into = folded.setdefault(branch, dict.fromkeys(numbers, 0))
        for name, value in numbers.items():
            into[name] += value
    return folded


def _names(level: str, keys) -> dict:
    ids = [key for key in keys if key is not None]
    if level == "day" or not ids:
        return {}
    model = {"group": CustomerGroup, "rm": Staff}.get(level, Department)
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _finish(row: dict) -> dict:
    row["growth"] = row["joins"] - row["leaves"]
    done = row["sop_on_time"] + row["sop_late"]
    row["completion_rate"] = round(done / row["sop_due"], 4) if row["sop_due"] else None
    return row
