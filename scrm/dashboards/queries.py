"""The dashboard overview: a node's totals and one row per child, each row carrying the level
and id to ask for next (drill-down).

Department and RM nodes read ``rm_daily_metric`` with one indexed GROUP BY (plus one read of
the reply-time histograms); an RM's groups and a single group read ``group_daily_metric``
through the SOP metrics rollup. :func:`branch_dashboard` is the benchmarked entry point.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import case, func, or_, select

from scrm.dashboards import metrics
from scrm.dashboards.models import RmDailyMetric as Row
from scrm.dashboards.nodes import Node, Scope, Tree, resolve
from scrm.dashboards.response_times import merge
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.metrics.rollup import rollup


def overview(node: Node, start: date, end: date) -> dict:
    """The node's totals and its children's rows from ``start`` to ``end`` (inclusive)."""
    days = (end - start).days + 1
    if node.level == "group":
        sums = group_sums(start, end, node.departments, group_ids=[node.group_id])
        totals = metrics.finish(sums.get(node.group_id, metrics.empty_sums()), None, days)
        return _answer(node, start, end, _per_group(totals), [])
    if node.level == "rm":
        children = group_sums(start, end, node.departments, owner_id=node.staff_id)
        sums, histograms = rm_sums(start, end, node, by=(Row.staff_id,))
        key = (node.staff_id,)
        totals = metrics.finish(sums.get(key, metrics.empty_sums()), histograms.get(key), days)
        rows = [
            {"level": "group", "id": group_id, "name": name}
            | _per_group(metrics.finish(numbers, None, days))
            for group_id, (name, numbers) in _named_groups(children).items()
        ]
        return _answer(node, start, end, totals, rows)
    # RMs filed under a department below are summed into it in SQL; only the node's own
    # RMs (and those without a department) come back one by one.
    own = or_(Row.department_id.in_(node.own), Row.department_id.is_(None))
    by = (Row.department_id, case((own, Row.staff_id), else_=None))
    sums, histograms = rm_sums(start, end, node, by=by)
    child_sums: dict = defaultdict(metrics.empty_sums)
    child_histograms: dict = defaultdict(Counter)
    for (department, staff_id), numbers in sums.items():
        child = _child(node, department, staff_id)
        metrics.add_sums(child_sums[child], numbers)
        child_histograms[child].update(histograms.get((department, staff_id), {}))
    total_sums = metrics.empty_sums()
    for numbers in child_sums.values():
        metrics.add_sums(total_sums, numbers)
    totals = metrics.finish(total_sums, merge(child_histograms.values()), days)
    names = _names(child_sums)
    tree_levels = _department_levels(node, child_sums)
    rows = [
        {"level": tree_levels.get(child, "rm"), "id": child[1], "name": names.get(child, "")}
        | metrics.finish(numbers, child_histograms[child], days)
        for child, numbers in sorted(child_sums.items(), key=lambda item: _order(item[0]))
    ]
    return _answer(node, start, end, totals, rows)


def branch_dashboard(department_id: int, start: date, end: date) -> dict:
    """A branch's (or any department's) overview as HQ sees it: what the benchmark times.

    :param department_id: the WeCom department id of a branch or sub-branch.
    :param start: the first local day.
    :param end: the last local day (inclusive).
    :raise ScrmError: an unknown department.
    """
    tree = Tree()
    level = tree.level(department_id) if department_id in tree.parents else "branch"
    level = "branch" if level == "bank" else level
    node = resolve(level, str(department_id), Scope(None), tree)
    return overview(node, start, end)


def rm_sums(start: date, end: date, node: Node, *, by: tuple):
    """Stored sums and merged reply histograms of ``rm_daily_metric`` in ``node`` per ``by``
    (columns or expressions of ``rm_daily_metric``), keyed by the tuple of their values."""
    keys = list(by)
    conditions = _conditions(start, end, node)
    query = select(
        *keys,
        *(func.sum(getattr(Row, name)).label(name) for name in metrics.FLOWS),
        *(
            func.sum(case((Row.day == end, getattr(Row, name)), else_=0)).label(f"end_{name}")
            for name in metrics.STOCKS
        ),
    ).where(*conditions)
    sums = {}
    for row in db.session.execute(query.group_by(*keys)):
        mapping = row._mapping
        sums[tuple(row[: len(by)])] = {name: int(mapping[name] or 0) for name in _SUM_NAMES}
    histograms: dict = defaultdict(Counter)
    query = select(*keys, Row.response_minutes).where(*conditions, Row.responses > 0)
    for row in db.session.execute(query):
        histograms[tuple(row[: len(by)])].update(merge([row[-1]]))
    return sums, histograms


_SUM_NAMES = (*metrics.FLOWS, *(f"end_{name}" for name in metrics.STOCKS))


def _conditions(start: date, end: date, node: Node) -> list:
    conditions = [Row.day >= start, Row.day <= end]
    if node.departments is not None:
        conditions.append(Row.department_id.in_(node.departments))
    if node.staff_id is not None:
        conditions.append(Row.staff_id == node.staff_id)
    return conditions


def group_sums(
    start: date,
    end: date,
    departments,
    *,
    owner_id: int | None = None,
    group_ids: list[int] | None = None,
) -> dict[int, dict]:
    """Stored sums per customer group from ``group_daily_metric`` (the SOP rollup, plus the
    group-days, active days and whether the group is there on the last day)."""
    scope = {"department_ids": departments} if departments is not None else {}
    if owner_id is not None:
        scope["owner_ids"] = [owner_id]
    if group_ids is not None:
        scope["group_ids"] = group_ids
    found = {}
    for row in rollup("group", start, end, **scope):
        numbers = metrics.empty_sums()
        numbers.update({name: row[name] for name in metrics.FROM_GROUPS})
        numbers["end_members"] = row["members"]
        found[row["group_id"]] = numbers | {"name": row["name"]}
    metric = GroupDailyMetric
    active = or_(metric.messages > 0, metric.active_speakers > 0)
    query = select(
        metric.group_id,
        func.count().label("groups"),
        func.sum(case((active, 1), else_=0)).label("active_groups"),
        func.sum(case((metric.day == end, 1), else_=0)).label("end_groups"),
    ).where(metric.day >= start, metric.day <= end)
    for column, wanted in (
        (metric.department_id, scope.get("department_ids")),
        (metric.owner_id, scope.get("owner_ids")),
        (metric.group_id, scope.get("group_ids")),
    ):
        if wanted is not None:
            query = query.where(column.in_(list(wanted)))
    for row in db.session.execute(query.group_by(metric.group_id)):
        if row.group_id in found:
            found[row.group_id].update(
                groups=row.groups, active_groups=row.active_groups, end_groups=row.end_groups
            )
    return found


def _named_groups(found: dict[int, dict]) -> dict[int, tuple[str, dict]]:
    return {
        group_id: (numbers.pop("name"), numbers)
        for group_id, numbers in sorted(found.items(), key=lambda item: item[1]["name"])
    }


def _per_group(values: dict) -> dict:
    for metric in metrics.METRICS:
        if not metric.per_group:
            values[metric.key] = None
    return values


def _child(node: Node, department: int | None, staff_id: int | None) -> tuple[str, int]:
    """The child a row of ``department`` belongs to: a department below, or the RM."""
    child = node.child_of.get(department) if department is not None else None
    if child is None and staff_id is None:
        child = department  # a department cut off from the tree: shown by itself
    return ("department", child) if child is not None else ("rm", staff_id)


def _names(children) -> dict:
    ids = defaultdict(list)
    for kind, number in children:
        ids[kind].append(number)
    names = {}
    for kind, model in (("department", Department), ("rm", Staff)):
        if ids[kind]:
            query = select(model.id, model.name).where(model.id.in_(ids[kind]))
            names.update({(kind, n): name for n, name in db.session.execute(query)})
    return names


def _department_levels(node: Node, children) -> dict:
    # A child department one below a branch is a sub-branch; one below the bank, a branch.
    level = "branch" if node.level == "bank" else "sub_branch"
    return {child: level for child in children if child[0] == "department"}


def _order(child: tuple[str, int]) -> tuple:
    return (child[0] != "department", child[1])


def _answer(node: Node, start: date, end: date, totals: dict, rows: list[dict]) -> dict:
    return {
        "node": node.ref(),
        "path": list(node.path),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": (end - start).days + 1,
        "metrics": [metric.as_dict() for metric in metrics.METRICS],
        "totals": totals,
        "rows": rows,
    }
