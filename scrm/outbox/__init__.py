"""The outbox: outbound deliveries to WeCom, claimed, sent once, retried and dead-lettered."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``scrm outbox`` group."""
    from scrm.cli import add_commands
    from scrm.outbox import cli

    add_commands(app, cli.outbox_cli)
