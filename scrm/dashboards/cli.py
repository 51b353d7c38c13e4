"""``flask --app app scrm dashboards …``: fill the RMs' daily rollup, show a dashboard."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits

dashboards_cli = AppGroup("dashboards", help="Branch-lead dashboards: daily rollup, overview.")
_DAY = click.DateTime(formats=["%Y-%m-%d"])


@dashboards_cli.command("rollup")
@click.option("--day", type=_DAY, help="Compute this local day (YYYY-MM-DD; default: today).")
@click.option("--start", type=_DAY, help="Compute every day from this one …")
@click.option("--end", type=_DAY, help="… up to this one (default: --start).")
@with_appcontext
@commits
def rollup_command(day, start, end) -> None:
    """Compute the RMs' daily numbers (客户经理日指标) the dashboards read.

    Run it after the group metrics of those days (`scrm sop metrics --day`); the worker does
    both every 15 minutes for today and finalises yesterday after midnight.
    """
    from scrm.dashboards.services import compute_rm_daily_metrics_between
    from scrm.sop.metrics.services import local_today

    tz = current_app.config["SCRM_TIMEZONE"]
    if day is not None and (start or end):
        raise click.UsageError("give --day for one day, or --start/--end, not both")
    if end is not None and start is None:
        raise click.UsageError("--end needs --start (the first day to compute)")
    if start is None:
        first = last = day.date() if day else local_today(tz)
    else:
        first, last = start.date(), (end or start).date()
        if first > last:
            raise click.UsageError(f"--start {first} is after --end {last}; swap them")
    for computed, rows in compute_rm_daily_metrics_between(first, last, tz=tz).items():
        click.echo(f"computed {computed}: {rows} member(s) of staff")


@dashboards_cli.command("show")
@click.option(
    "--level", default="bank", show_default=True, help="bank, branch, sub_branch, rm, group"
)
@click.option("--id", "node_id", help="the department, staff or group id (not for bank)")
@click.option("--start", type=_DAY, required=True, help="first local day (YYYY-MM-DD)")
@click.option("--end", type=_DAY, required=True, help="last local day (YYYY-MM-DD)")
@with_appcontext
def show_command(level: str, node_id: str | None, start, end) -> None:
    """Print a node's overview as HQ sees it, as one JSON object."""
    from scrm.dashboards.nodes import Scope, Tree, resolve
    from scrm.dashboards.queries import overview
    from scrm.errors import ScrmError

    if start > end:
        raise click.UsageError(f"--start {start.date()} is after --end {end.date()}; swap them")
    tree = Tree()
    try:
        node = resolve(level, node_id, Scope(None), tree)
    except ScrmError as error:
        raise click.UsageError(error.message) from None
    answer = overview(node, start.date(), end.date())
    answer.pop("metrics")
    click.echo(json.dumps(answer, ensure_ascii=False))
