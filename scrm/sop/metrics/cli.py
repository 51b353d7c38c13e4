"""``flask --app app scrm sop metrics``: compute a day's group metrics, or show a range's."""

from __future__ import annotations

import json
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from scrm.db import commits
from scrm.sop.metrics.rollup import LEVELS

_DAY = click.DateTime(formats=["%Y-%m-%d"])
_COLUMNS = (
    ("members", "成员"),
    ("growth", "净增"),
    ("joins", "入群"),
    ("leaves", "退群"),
    ("active_speakers", "发言人"),
    ("messages", "消息"),
    ("sop_due", "SOP应办"),
    ("sop_on_time", "按时"),
    ("sop_late", "迟办"),
    ("sop_missed", "未办"),
    ("completion_rate", "完成率"),
    ("checkins", "打卡"),
)


@click.command("metrics")
@click.option("--day", type=_DAY, help="Compute this local day (YYYY-MM-DD), then show it.")
@click.option("--start", type=_DAY, help="Show stored days from this one (YYYY-MM-DD).")
@click.option("--end", type=_DAY, help="Show stored days up to this one (default: --start).")
@click.option(
    "--level", type=click.Choice(LEVELS), default="branch", show_default=True, help="Roll up by."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list instead of a table.")
@with_appcontext
@commits
def metrics_command(day, start, end, level: str, as_json: bool) -> None:
    """Group-operation metrics (群运营指标) per group, RM, sub-branch, branch or day.

    With --day (default: today) the day is computed first and stored; with --start/--end the
    stored days are shown as they are (the worker computes today every 15 minutes and
    finalises yesterday after midnight).
    """
    from scrm.sop.metrics.services import compute_group_daily_metrics, local_today, rollup

    tz = current_app.config["SCRM_TIMEZONE"]
    if day is not None and (start or end):
        raise click.UsageError("give --day to compute one day, or --start/--end, not both")
    if end is not None and start is None:
        raise click.UsageError("--end needs --start (the first day to show)")
    if start is None:
        first = last = day.date() if day else local_today(tz)
        written = compute_group_daily_metrics(first, tz=tz)
        if not as_json:
            click.echo(f"computed {first}: {written} customer group(s)")
    else:
        first, last = start.date(), (end or start).date()
        if first > last:
            raise click.UsageError(f"--start {first} is after --end {last}; swap them")
    rows = rollup(level, first, last)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    _echo_table(level, first, last, rows)


def _echo_table(level: str, first: date, last: date, rows: list[dict]) -> None:
    span = str(first) if first == last else f"{first} … {last}"
    click.echo(f"{span} by {level}; members on {last}")
    if not rows:
        click.echo("no metrics stored for these days; compute them with --day YYYY-MM-DD")
        return
    click.echo("\t".join(["", *(title for _, title in _COLUMNS)]))
    for row in rows:
        label = row["day"] if level == "day" else row["name"]
        values = []
        for name, _ in _COLUMNS:
            value = row[name]
            if name == "completion_rate":
                value = "-" if value is None else f"{value:.0%}"
            values.append(str(value))
        click.echo("\t".join([str(label), *values]))
