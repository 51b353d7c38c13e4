"""Leaderboards (排行榜): the top or bottom N RMs, sub-branches or branches under a node by one
metric. Rows without a value (nothing due, no replies, nothing sent) are left out, not ranked
as zero. ``top`` is the highest value: for reply times and hits a low number is the better."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select

from scrm.dashboards import metrics
from scrm.dashboards.models import RmDailyMetric as Row
from scrm.dashboards.nodes import Node, Tree
from scrm.dashboards.queries import rm_sums
from scrm.db import db
from scrm.directory.models import Department, Staff

RANKED = ("rm", "sub_branch", "branch")
ORDERS = ("top", "bottom")
_DEPTH = {"branch": 2, "sub_branch": 3}


def leaderboard(
    node: Node, tree: Tree, metric: str, start: date, end: date, *, by: str, order: str, limit: int
) -> dict:
    """The ``limit`` best (``top``) or worst (``bottom``) of ``by`` under ``node``.

    :param node: a bank, branch or sub-branch node (its subtree is ranked).
    :param by: ``rm``, ``sub_branch`` (depth-3 departments) or ``branch`` (depth 2).
    :return: ``rows`` (rank, level, id, name, value) and ``unranked`` (rows without a value).
    """
    column = Row.staff_id if by == "rm" else Row.department_id
    sums, histograms = rm_sums(start, end, node, by=(column,))
    folded: dict = defaultdict(metrics.empty_sums)
    folded_histograms: dict = defaultdict(Counter)
    for (number,), numbers in sums.items():
        key = number if by == "rm" else _ancestor(tree, number, _DEPTH[by])
        if key is None:
            continue
        metrics.add_sums(folded[key], numbers)
        folded_histograms[key].update(histograms.get((number,), {}))
    days = (end - start).days + 1
    values = {
        key: metrics.finish(numbers, folded_histograms[key], days)[metric]
        for key, numbers in folded.items()
    }
    names = _names(by, list(values))
    ranked = sorted(
        ((value, key) for key, value in values.items() if value is not None),
        key=lambda item: (-item[0] if order == "top" else item[0], names.get(item[1], "")),
    )
    rows = [
        {"rank": rank, "level": by, "id": key, "name": names.get(key, ""), "value": value}
        for rank, (value, key) in enumerate(ranked[:limit], start=1)
    ]
    return {"rows": rows, "unranked": sum(value is None for value in values.values())}


def _ancestor(tree: Tree, department: int | None, depth: int) -> int | None:
    if department is None:
        return None
    path = tree.path(department)
    return path[depth - 1] if len(path) >= depth else None


def _names(by: str, keys: list[int]) -> dict[int, str]:
    if not keys:
        return {}
    model = Staff if by == "rm" else Department
    query = select(model.id, model.name).where(model.id.in_(keys))
    return dict(db.session.execute(query).all())
