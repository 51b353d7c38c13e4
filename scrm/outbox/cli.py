"""``scrm outbox list`` and ``scrm outbox retry-dead``: what is waiting, what died, requeue."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits
from scrm.outbox.models import STATUSES

outbox_cli = AppGroup("outbox", help="Outbound deliveries to WeCom: list them, requeue dead ones.")


@outbox_cli.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only deliveries in this status.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@with_appcontext
def list_command(status: str | None, limit: int) -> None:
    """The newest deliveries, one per line (never the message text)."""
    from scrm.outbox.services import count_by_status, list_deliveries

    counts = count_by_status()
    click.echo("  ".join(f"{name}={counts[name]}" for name in STATUSES))
    for row in list_deliveries(status, limit):
        line = (
            f"#{row.id} {row.kind} {row.status} attempts={row.attempts} "
            f"archive=#{row.archived_message_id} ref={row.wecom_ref or '-'}"
        )
        if row.status != "sent" and row.last_error:
            line += f" error={row.last_error}"
        click.echo(line)


@outbox_cli.command("retry-dead")
@click.option("--id", "delivery_ids", type=int, multiple=True, help="Only this one (repeatable).")
@with_appcontext
@commits
def retry_dead_command(delivery_ids: tuple[int, ...]) -> None:
    """Requeue dead deliveries for a fresh set of attempts by the worker.

    A delivery whose last send may have reached WeCom is checked against WeCom first, so it
    is not sent twice (app messages excepted: requeuing one sends it again).
    """
    from scrm.outbox.services import retry_dead_deliveries

    count = retry_dead_deliveries(list(delivery_ids) if delivery_ids else None)
    click.echo(f"requeued {count} dead delivery(ies); the worker sends them next")
