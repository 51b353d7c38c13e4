"""Custody of customers between RMs: handovers (在职转接) and inheritance (离职继承)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the custody API (``/api/custody/``), the ``scrm custody`` group and the
    custody poll on the clock."""
    from scrm.cli import add_commands
    from scrm.custody import api, cli, jobs
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(api.bp)
    add_commands(app, cli.custody_cli)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
