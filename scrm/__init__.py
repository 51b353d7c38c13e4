"""scrm: a WeCom private-domain SCRM for bank relationship managers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application.

    Configuration: ``scrm.config`` → ``instance/config.py`` → ``SCRM_*`` environment
    variables → ``test_config``. Nothing here touches the network or migrates the database.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object("scrm.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SCRM")
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "scrm.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"

    from scrm import db, errors

    db.init_app(app)
    errors.init_app(app)

    from scrm.inbox import views as inbox_views

    app.register_blueprint(inbox_views.bp)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    from scrm import cli

    cli.init_app(app)
    return app
