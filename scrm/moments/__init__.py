"""Customer moments (客户朋友圈): HQ's central posts, RMs publishing them, engagement."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the moments API (``/api/moments/``), the ``scrm moments`` group and the
    moments clock jobs."""
    from scrm.cli import add_commands
    from scrm.moments import api, cli, jobs
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(api.bp)
    add_commands(app, cli.moments_cli)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
