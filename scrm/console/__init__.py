"""The console screens (管理后台) for compliance, branch leads and HQ: archive search, review,
access audit, lexicon, dashboards and the archive status."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console pages under ``/console/``; their data comes from the other
    packages' JSON APIs."""
    from scrm.console import pages

    app.register_blueprint(pages.bp)
