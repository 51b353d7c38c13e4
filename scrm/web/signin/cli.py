"""``flask --app app scrm create-admin``: a local console account with the admin role."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from scrm.db import commits
from scrm.web.signin.accounts import AccountError, create_console_account, disable_console_account


@click.command("create-admin")
@click.option("--username", required=True, help="Sign-in name (3–64 letters, digits, _ . -).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@click.option("--staff", "staff_userid", help="Sign in as this synced WeCom member (userid).")
@with_appcontext
@commits
def create_admin_command(username: str, password_stdin: bool, staff_userid: str | None) -> None:
    """Create a local console account holding the admin role. The password is prompted for
    (or read from stdin) and never echoed, logged or stored — only its hash."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        account = create_console_account(username, password, staff_userid=staff_userid)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"console account {account.username!r} created; it signs in as staff "
        f"{account.staff.userid!r} with the admin role at /console/login"
    )


@click.command("disable-admin")
@click.option("--username", required=True)
@with_appcontext
@commits
def disable_admin_command(username: str) -> None:
    """Disable a local console account; its open sessions end on their next request."""
    try:
        disable_console_account(username)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"console account {username!r} disabled")
