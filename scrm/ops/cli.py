"""Operations commands: ``check-config``, ``stats``, ``grant-role`` and ``revoke-role``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from scrm.db import commits
from scrm.directory.models import ROLES
from scrm.ops.config_check import ERROR, check_settings
from scrm.ops.stats import DESCRIPTIONS, collect_stats


@click.command("check-config")
@click.option(
    "--online", is_flag=True, help="Also ask WeCom for a token with each secret (network call)."
)
@with_appcontext
def check_config_command(online: bool) -> None:
    """Check every setting; name each missing or malformed one and how to fix it.

    Exits 1 when any check is an ERROR.
    """
    findings = list(check_settings(current_app))
    if online:
        from scrm.ops.online_check import check_credentials

        findings.extend(check_credentials(current_app))
    for finding in findings:
        click.echo(finding.line())
    errors = sum(f.level == ERROR for f in findings)
    if errors:
        click.echo(f"{errors} error(s): fix them, then run check-config again", err=True)
        raise SystemExit(1)


_STATS_HELP = "\n".join(f"  {key}: {text}" for key, text in DESCRIPTIONS.items())


@click.command(
    "stats",
    help="Counts of what scrm holds. Only live rows count: removed_at IS NULL, follows "
    "active, group members not quit.\n\n\b\n" + _STATS_HELP,
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def stats_command(as_json: bool) -> None:
    stats = collect_stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, sort_keys=True))
        return
    for key, text in DESCRIPTIONS.items():
        click.echo(f"{key:<26}{stats[key]:>9}  {text}")
    last = stats["last_sync"]
    if last is None:
        click.echo("last sync: never — run `flask --app app scrm sync`")
    else:
        click.echo(
            f"last sync: {last['status']} at stage {last['stage']}, "
            f"finished {last['finished_at'] or '—'}"
        )


def _staff_or_exit(userid: str):
    from scrm.directory.services import get_staff

    staff = get_staff(userid)
    if staff is None or staff.removed_at is not None:
        click.echo(
            f"ERROR: no current member of staff with userid {userid!r}; check the userid "
            "(通讯录 → the member → 账号) or run `flask --app app scrm sync` first",
            err=True,
        )
        raise SystemExit(1)
    return staff


@click.command("grant-role")
@click.argument("userid")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
@commits
def grant_role_command(userid: str, role: str) -> None:
    """Give the member of staff USERID the scrm ROLE."""
    from scrm.directory.services import grant_role

    staff = _staff_or_exit(userid)
    grant_role(staff, role)
    click.echo(f"{userid} now holds: {', '.join(sorted(staff.role_names))}")


@click.command("revoke-role")
@click.argument("userid")
@click.argument("role", type=click.Choice(ROLES))
@with_appcontext
@commits
def revoke_role_command(userid: str, role: str) -> None:
    """Take the scrm ROLE away from the member of staff USERID."""
    from scrm.directory.services import revoke_role

    staff = _staff_or_exit(userid)
    revoke_role(staff, role)
    click.echo(f"{userid} now holds: {', '.join(sorted(staff.role_names)) or 'no role'}")
