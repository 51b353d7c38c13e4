"""Full synchronisation with WeCom: pull everything, reconcile, resume after a failure."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``scrm sync`` and the nightly full sync on the clock."""
    from scrm.cli import add_commands
    from scrm.sync import cli, jobs
    from scrm.worker.schedule import add_clock_jobs

    add_commands(app, cli.sync_command)
    add_clock_jobs(app, jobs.CLOCK_JOBS)
