"""The access audit (访问审计): who searched, viewed or exported archived content, when and why.
Append-only, like the archive itself: database triggers refuse UPDATE and DELETE."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register ``GET /api/audit/access`` and the ``scrm audit`` group."""
    from scrm.audit import api, cli
    from scrm.cli import add_commands

    app.register_blueprint(api.bp)
    add_commands(app, cli.audit_cli)
