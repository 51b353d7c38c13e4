"""``flask --app app scrm create-admin`` (a local console account with the admin role),
``set-admin-password``, ``unlock-admin`` and ``disable-admin``."""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import with_appcontext

from scrm.db import commits
from scrm.web.signin.accounts import (
    AccountError,
    create_console_account,
    disable_console_account,
    set_console_password,
    unlock_console_account,
)


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
    password = _read_password(password_stdin)
    try:
        account = create_console_account(username, password, staff_userid=staff_userid)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"console account {account.username!r} created; it signs in as staff "
        f"{account.staff.userid!r} with the admin role at /console/login"
    )


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "unknown operator"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("set-admin-password")
@click.option("--username", required=True)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from the first line of standard input instead of prompting.",
)
@with_appcontext
@commits
def set_admin_password_command(username: str, password_stdin: bool) -> None:
    """Give a local console account a new password (prompted, never echoed); every session
    of its member of staff ends at once."""
    try:
        set_console_password(username, _read_password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"console account {username!r} has a new password; its sessions have ended")


@click.command("unlock-admin")
@click.option("--username", required=True)
@click.option(
    "--by",
    default=lambda: _login_name(),
    show_default="your login name",
    help="Who unlocks it, for the access audit.",
)
@with_appcontext
@commits
def unlock_admin_command(username: str, by: str) -> None:
    """Unlock a local console account locked by wrong passwords (written to the access
    audit with who and when)."""
    try:
        unlocked = unlock_console_account(username, by=by)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    if unlocked:
        click.echo(f"console account {username!r} unlocked by {by}")
    else:
        click.echo(f"console account {username!r} was not locked; nothing changed")


@click.command("disable-admin")
@click.option("--username", required=True)
@with_appcontext
@commits
def disable_admin_command(username: str) -> None:
    """Disable a local console account; every session of its member of staff ends at once."""
    try:
        disable_console_account(username)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"console account {username!r} disabled")
