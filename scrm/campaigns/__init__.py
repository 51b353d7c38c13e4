"""Segments (客户分群) and mass messages (客户群发) to customers and customer groups."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the campaigns API (``/api/campaigns/``), the ``scrm campaigns`` group and the
    campaign clock jobs."""
    from scrm.campaigns import api, cli, jobs
    from scrm.cli import add_commands
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(api.bp)
    add_commands(app, cli.campaigns_cli)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
