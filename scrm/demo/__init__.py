"""The demo: a fictional bank inside the WeCom simulator, synced and live, in one process."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``scrm demo``."""
    from scrm.cli import add_commands
    from scrm.demo import cli

    add_commands(app, cli.demo_command)
