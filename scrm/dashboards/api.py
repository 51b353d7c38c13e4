"""The dashboards JSON API under ``/api/dashboards/`` (and CSV with ``?format=csv``).

Every route needs ``dashboards.read``; a branch lead sees their department and below, HQ ops
and admins the bank. Common parameters: ``level`` (bank, branch, sub_branch, rm, group) and
``id`` name the node (default: the caller's own top node); ``start`` and ``end`` are local
dates, inclusive (default: the 30 days up to today).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, request

from scrm.auth import current_staff, require
from scrm.dashboards import metrics
from scrm.dashboards.csv_export import csv_response
from scrm.dashboards.leaderboards import ORDERS, RANKED, leaderboard
from scrm.dashboards.nodes import Node, Tree, resolve, scope_of
from scrm.dashboards.queries import overview
from scrm.dashboards.trends import GRAINS, trend
from scrm.errors import ScrmError
from scrm.payloads import day, whole_number
from scrm.sop.metrics.services import local_today

bp = Blueprint("dashboards_api", __name__, url_prefix="/api/dashboards")

MAX_DAYS = 366
DEFAULT_DAYS = 30
MAX_LIMIT = 100


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/overview", show_overview),
        ("GET", "/trend", show_trend),
        ("GET", "/leaderboard", show_leaderboard),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("dashboards.read")
def show_overview():
    """A node's totals and one row per child (branches, sub-branches, RMs or groups)."""
    node, _, start, end = _node_and_range()
    answer = overview(node, start, end)
    if not _wants_csv():
        return answer
    columns = [("层级", "level"), ("编号", "id"), ("名称", "name")]
    columns += [(metric.label, metric.key) for metric in metrics.METRICS]
    keys = [key for _, key in columns]
    totals = {"level": node.level, "id": node.id, "name": f"合计 {node.name}"}
    rows = [[row[key] for key in keys] for row in answer["rows"]]
    rows.append([(totals | answer["totals"])[key] for key in keys])
    return csv_response(_filename("overview", node, start, end), columns, rows)


@require("dashboards.read")
def show_trend():
    """One metric of a node by day, week or month (``metric``, ``grain``)."""
    node, _, start, end = _node_and_range()
    metric = _metric()
    grain = request.args.get("grain") or "day"
    if grain not in GRAINS:
        raise ScrmError(f'"grain" {grain!r} is unknown; use one of {", ".join(GRAINS)}')
    points = trend(node, metric.key, start, end, grain)
    if _wants_csv():
        columns = [("周期", "period"), ("起", "start"), ("止", "end"), (metric.label, metric.key)]
        rows = [[p["period"], p["start"], p["end"], p["value"]] for p in points]
        return csv_response(
            _filename(f"trend-{metric.key}-{grain}", node, start, end), columns, rows
        )
    return {
        "node": node.ref(),
        "path": list(node.path),
        "metric": metric.as_dict(),
        "grain": grain,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "points": points,
    }


@require("dashboards.read")
def show_leaderboard():
    """The top or bottom ``limit`` RMs, sub-branches or branches (``by``) under a node."""
    node, tree, start, end = _node_and_range()
    if node.level in ("rm", "group"):
        raise ScrmError(
            "a leaderboard ranks within a department; give level=bank, branch or sub_branch"
        )
    metric = _metric()
    by = request.args.get("by") or "rm"
    if by not in RANKED:
        raise ScrmError(f'"by" {by!r} is unknown; rank one of {", ".join(RANKED)}')
    order = request.args.get("order") or "top"
    if order not in ORDERS:
        raise ScrmError(f'"order" {order!r} is unknown; use top or bottom')
    limit = _limit()
    board = leaderboard(node, tree, metric.key, start, end, by=by, order=order, limit=limit)
    if _wants_csv():
        columns = [("名次", "rank"), ("层级", "level"), ("编号", "id"), ("名称", "name")]
        columns.append((metric.label, metric.key))
        rows = [[r["rank"], r["level"], r["id"], r["name"], r["value"]] for r in board["rows"]]
        name = f"leaderboard-{metric.key}-{order}-{by}"
        return csv_response(_filename(name, node, start, end), columns, rows)
    return {
        "node": node.ref(),
        "path": list(node.path),
        "metric": metric.as_dict(),
        "by": by,
        "order": order,
        "limit": limit,
        "start": start.isoformat(),
        "end": end.isoformat(),
    } | board


def _node_and_range() -> tuple[Node, Tree, date, date]:
    fmt = request.args.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise ScrmError(f'"format" {fmt!r} is unknown; use json or csv')
    start, end = _range()
    tree = Tree()
    scope = scope_of(current_staff(), tree)
    node = resolve(request.args.get("level"), request.args.get("id"), scope, tree)
    return node, tree, start, end


def _range() -> tuple[date, date]:
    end = _date("end") or local_today(current_app.config["SCRM_TIMEZONE"])
    start = _date("start") or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise ScrmError(f'"end" {end} is before "start" {start}; give the earlier date as start')
    if (end - start).days + 1 > MAX_DAYS:
        raise ScrmError(
            f'"start" {start} to "end" {end} spans {(end - start).days + 1} days; ask at most '
            f"{MAX_DAYS} days (use grain=month for a longer view, one year at a time)"
        )
    return start, end


def _date(name: str) -> date | None:
    return day(request.args, name)


def _metric() -> metrics.Metric:
    key = request.args.get("metric")
    if not key:
        raise ScrmError(f'"metric" is missing; give one of {", ".join(metrics.KEYS)}')
    if key not in metrics.BY_KEY:
        raise ScrmError(f'"metric" {key!r} is unknown; use one of {", ".join(metrics.KEYS)}')
    return metrics.BY_KEY[key]


def _limit() -> int:
    return whole_number(request.args, "limit", default=10, minimum=1, maximum=MAX_LIMIT)


def _wants_csv() -> bool:
    return request.args.get("format") == "csv"


def _filename(what: str, node: Node, start: date, end: date) -> str:
    where = node.level if node.id is None else f"{node.level}-{node.id}"
    return f"dashboard-{what}-{where}-{start}-{end}.csv"


_rules()
