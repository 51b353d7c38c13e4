"""The worker process: drains the inbox (later the outbox) and runs the clock as leader."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``scrm worker`` and ``scrm retry-failed-events``; the clock's jobs come from the
    other packages (:mod:`scrm.worker.schedule`)."""
    from scrm.cli import add_commands
    from scrm.worker import cli

    add_commands(app, cli.worker_command, cli.retry_failed_events_command)
