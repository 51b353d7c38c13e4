"""Branch-lead dashboards (分行看板): group operations by bank → branch → sub-branch → RM →
group, with trends, leaderboards and CSV downloads."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the dashboards API (``/api/dashboards/``), the ``scrm dashboards`` group and
    the RM rollup on the clock."""
    from scrm.cli import add_commands
    from scrm.dashboards import api, cli, jobs
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(api.bp)
    add_commands(app, cli.dashboards_cli)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
