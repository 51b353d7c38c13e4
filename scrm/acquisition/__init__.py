"""Customer acquisition (获客): channel QR codes, welcome messages, bulk add."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the acquisition API (``/api/acquisition/``), the ``scrm acquisition`` group and
    the acquisition clock jobs."""
    from scrm.acquisition import api, cli, jobs
    from scrm.cli import add_commands
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(api.bp)
    add_commands(app, cli.acquisition_cli)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
