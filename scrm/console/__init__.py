"""The console screens (管理后台) for compliance, branch leads and HQ: archive search, review,
access audit, lexicon, dashboards and the archive status; and the archive exports API."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console pages and ``POST /api/archive/exports``."""
    from scrm.archive.export import api as export_api
    from scrm.console import pages as views

    app.register_blueprint(views.bp)
    app.register_blueprint(export_api.bp)
