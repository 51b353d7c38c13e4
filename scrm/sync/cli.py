"""``flask --app app scrm sync``: the full sync from WeCom, resumable after a failure; with
``--since`` it also lists the adds WeCom never pushed (a web outage longer than its retries)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from scrm.db import commits
from scrm.sync.missed import adds_not_pushed
from scrm.sync.services import SyncFailed, run_full_sync

_WHEN = click.DateTime(
    formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
)


def _echo_counts(counts: dict[str, dict[str, int]]) -> None:
    click.echo(f"{'':<12}{'created':>9}{'updated':>9}{'removed':>9}")
    for entity, row in counts.items():
        click.echo(
            f"{entity:<12}{row.get('created', 0):>9}{row.get('updated', 0):>9}"
            f"{row.get('removed', 0):>9}"
        )


@click.command("sync")
@click.option(
    "--restart", is_flag=True, help="Abandon an unfinished run and start over from the beginning."
)
@click.option(
    "--since",
    type=_WHEN,
    help="After an outage: also list the customers who added an RM since then (Asia/Shanghai, "
    "'YYYY-MM-DD HH:MM') with no callback reaching us, and attribute their channels now.",
)
@with_appcontext
def sync_command(restart: bool, since: datetime | None) -> None:
    """Pull departments, staff, tags, customers and groups from WeCom and reconcile them.

    Safe to rerun. After a failure the next run resumes where the failed one stopped. WeCom
    re-delivers a callback only three times within seconds, so changes pushed while the web
    was down are found here (and by the nightly run); ``--since`` says which adds they were.
    """
    try:
        run = run_full_sync(restart=restart, progress=click.echo)
    except SyncFailed as exc:
        click.echo(f"ERROR: {exc.message}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"sync run {run.id} done (attempt {run.attempts})")
    _echo_counts(run.counts)
    if since is not None:
        _report_missed_adds(since)


@commits
def _report_missed_adds(since: datetime) -> None:
    from scrm.acquisition.attribution import attribute_synced_follows  # the channel side

    zone = ZoneInfo(current_app.config["SCRM_TIMEZONE"])
    start = since.replace(tzinfo=zone) if since.tzinfo is None else since
    missed = adds_not_pushed(start)
    attributed = attribute_synced_follows()
    label = start.strftime("%Y-%m-%d %H:%M")
    if not missed:
        click.echo(f"no add since {label} ({zone.key}) was missed: every one had its callback")
        return
    click.echo(
        f"{len(missed)} customer(s) added an RM since {label} ({zone.key}) without a callback "
        "reaching us; the sync stored them now. Their welcome codes (20 s) have expired, so "
        "no welcome message went out: ask each RM to greet them by hand."
    )
    for add in missed:
        when = add.added_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        channel = f"  channel state {add.state}" if add.state else ""
        click.echo(f"  {when}  {add.rm_name} ({add.rm_userid})  ← {add.customer_name}{channel}")
    if attributed:
        click.echo(f"{attributed} channel add(s) attributed from the sync")
