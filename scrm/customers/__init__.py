"""External contacts (customers), the follow relation per RM, and corp tags."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the customers API (``/api/customers/``: tags, notes; the identity binding) and
    the ``scrm customers`` group."""
    from scrm.cli import add_commands
    from scrm.customers import api, cli
    from scrm.customers.identity import api as identity_api

    app.register_blueprint(api.bp)
    app.register_blueprint(identity_api.bp)
    add_commands(app, cli.customers_cli)
