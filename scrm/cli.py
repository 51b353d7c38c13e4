"""The ``flask --app app scrm …`` command group; each domain adds its commands here."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

scrm_cli = AppGroup("scrm", help="Operate scrm: database, WeCom sync, worker, demo.")


@scrm_cli.command("init-db")
def init_db_command() -> None:
    """Bring the database to the latest schema (safe to rerun)."""
    from flask_migrate import upgrade

    from scrm.db import MIGRATIONS_DIR

    upgrade(directory=MIGRATIONS_DIR)
    click.echo("database is at the latest schema")


def init_app(app: Flask) -> None:
    """Attach the ``scrm`` group with every domain's commands."""
    from scrm.acquisition import cli as acquisition_cli
    from scrm.archive.chain import cli as archive_cli
    from scrm.archive.search import cli as search_cli
    from scrm.campaigns import cli as campaigns_cli
    from scrm.compliance.lexicon import cli as lexicon_cli
    from scrm.compliance.review import cli as review_cli
    from scrm.compliance.scanning import cli as scan_cli
    from scrm.custody import cli as custody_cli
    from scrm.customers import cli as identity_cli
    from scrm.dashboards import cli as dashboards_cli
    from scrm.demo import cli as demo_cli
    from scrm.moments import cli as moments_cli
    from scrm.ops import cli as ops_cli
    from scrm.outbox import cli as outbox_cli
    from scrm.sidebar import cli as sidebar_cli
    from scrm.sop import cli as sop_cli
    from scrm.sync import cli as sync_cli
    from scrm.web.signin import cli as web_cli
    from scrm.worker import cli as worker_cli

    for module in (
        ops_cli,
        sync_cli,
        worker_cli,
        demo_cli,
        archive_cli,
        search_cli,  # after archive_cli: adds `archive reindex`
        lexicon_cli,
        review_cli,
        outbox_cli,
        scan_cli,
        sop_cli,
        moments_cli,
        campaigns_cli,
        custody_cli,
        identity_cli,
        acquisition_cli,
        dashboards_cli,
        web_cli,
        sidebar_cli,
    ):
        module.register(scrm_cli)
    app.cli.add_command(scrm_cli)
