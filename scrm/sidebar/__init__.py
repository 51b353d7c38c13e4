"""The RM sidebar (聊天工具栏): customer and group views, the script library (话术库) with
materials, and the checked send through the compliance gate."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the sidebar page (``/sidebar/app/``), its JSON API (``/api/sidebar/``) and the
    ``scrm sidebar`` group."""
    from scrm.cli import add_commands
    from scrm.sidebar import api, cli
    from scrm.sidebar import pages as views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    add_commands(app, cli.sidebar_cli)
