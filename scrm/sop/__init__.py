"""Group operations: SOP templates (标准群SOP), assignments to groups, role holders, tasks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the SOP API (``/api/sop/``), the ``scrm sop`` group and the SOP clock jobs."""
    from scrm.cli import add_commands
    from scrm.sop import api, cli, jobs
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(api.bp)
    add_commands(app, cli.sop_cli)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
