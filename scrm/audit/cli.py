"""``scrm audit access``: read the access audit from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from scrm.audit.models import ACTIONS

audit_cli = AppGroup(
    "audit", help="The access audit (访问审计) of archived content and local console sign-ins."
)


@audit_cli.command("access")
@click.option("--staff", help="Only this reader's rows (staff userid).")
@click.option("--action", type=click.Choice(ACTIONS))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
def access_command(staff: str | None, action: str | None, limit: int) -> None:
    """Print the newest access-audit rows, one JSON object a line."""
    from scrm.audit.services import access_records, as_dict

    for row in access_records(staff_userid=staff, action=action, limit=limit):
        click.echo(json.dumps(as_dict(row), ensure_ascii=False))
