"""Durable inbound WeCom events: stored once by the callback, applied by the worker."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the WeCom callback at ``/wecom/callback``."""
    from scrm.inbox import api

    app.register_blueprint(api.bp)
