"""``flask --app app scrm sync``: the full sync from WeCom, resumable after a failure."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from scrm.sync.services import SyncFailed, run_full_sync


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
@with_appcontext
def sync_command(restart: bool) -> None:
    """Pull departments, staff, tags, customers and groups from WeCom and reconcile them.

    Safe to rerun. After a failure the next run resumes where the failed one stopped.
    """
    try:
        run = run_full_sync(restart=restart, progress=click.echo)
    except SyncFailed as exc:
        click.echo(f"ERROR: {exc.message}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"sync run {run.id} done (attempt {run.attempts})")
    _echo_counts(run.counts)
