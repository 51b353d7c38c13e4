"""The ``flask --app app scrm …`` command group; each package adds its commands in its
``init_app`` through :func:`scrm_group`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Bring the database to the latest schema (safe to rerun)."""
    from flask_migrate import upgrade

    from scrm.db import MIGRATIONS_DIR

    upgrade(directory=MIGRATIONS_DIR)
    click.echo("database is at the latest schema")


def scrm_group(app: Flask) -> click.Group:
    """The app's ``scrm`` group, made on first use: packages add to it in any order, and each
    app has its own, so one app's commands never leak into another's."""
    group = app.cli.commands.get("scrm")
    if group is None:
        group = AppGroup("scrm", help="Operate scrm: database, WeCom sync, worker, demo.")
        group.add_command(init_db_command)
        app.cli.add_command(group)
    return group


def init_app(app: Flask) -> None:
    """Attach the ``scrm`` group with ``init-db``; the packages add the rest."""
    scrm_group(app)


def add_commands(app: Flask, *commands: click.Command) -> None:
    """Add a package's commands (or command groups) to the app's ``scrm`` group."""
    group = scrm_group(app)
    for command in commands:
        group.add_command(command)
