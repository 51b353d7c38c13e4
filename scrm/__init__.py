"""scrm: a WeCom private-domain SCRM for bank relationship managers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(
    test_config: Mapping[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Build the Flask application.

    Configuration: ``scrm.config`` → ``instance/config.py`` → ``SCRM_*`` environment
    variables → ``test_config``. Nothing here touches the network or migrates the database.

    :param test_config: settings that override everything else (tests, the demo).
    :param instance_path: another instance folder (default: ``instance/`` beside ``app.py``).
    """
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object("scrm.config")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SCRM")
    if test_config is not None:
        app.config.from_mapping(test_config)
    _keep_text_settings_text(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        # None by default, so it is not a text setting: the instance path is only known here.
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "scrm.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"

    from scrm import db, errors

    db.init_app(app)
    errors.init_app(app)

    from scrm.inbox import api as inbox_views

    app.register_blueprint(inbox_views.bp)
    from scrm.ops import pages as ops_views

    app.register_blueprint(ops_views.bp)
    from scrm import auth
    from scrm.sop import api as sop_api

    auth.init_app(app)  # /api/session, and the CSRF check on every /api/ write
    app.register_blueprint(sop_api.bp)
    from scrm.custody import api as custody_api
    from scrm.customers.identity import api as identity_api

    app.register_blueprint(custody_api.bp)  # /api/custody/ (在职转接, 离职继承)
    app.register_blueprint(identity_api.bp)  # /api/customers/<id>/binding (身份认证)
    from scrm.customers import api as customers_api
    from scrm.moments import api as moments_api

    app.register_blueprint(customers_api.bp)  # /api/customers/ (客户: 标签, 跟进记录)
    app.register_blueprint(moments_api.bp)  # /api/moments/ (客户朋友圈)
    from scrm.acquisition import api as acquisition_api

    app.register_blueprint(acquisition_api.bp)  # /api/acquisition/ (获客: 渠道活码, 批量加好友)
    from scrm.campaigns import api as campaigns_api

    app.register_blueprint(campaigns_api.bp)  # /api/campaigns/ (客户群发)
    from scrm.dashboards import api as dashboards_api

    app.register_blueprint(dashboards_api.bp)  # /api/dashboards/ (分行看板)
    from scrm.compliance.lexicon import api as lexicon_api
    from scrm.compliance.review import api as review_api

    app.register_blueprint(review_api.bp)  # /api/review/ (合规复核)
    app.register_blueprint(lexicon_api.bp)  # /api/lexicon
    from scrm.archive.search import api as search_api

    search_api.init_app(app)  # /api/archive/ search and conversations, /api/audit/access
    from scrm import web

    web.init_app(app)  # sign-in pages, sidebar and console, JS-SDK, /vendor/ assets
    from scrm import sidebar

    sidebar.init_app(app)  # the RM sidebar page and /api/sidebar/ (话术库, checked send)
    from scrm import console

    console.init_app(app)  # console screens (管理后台), POST /api/archive/exports (证据导出)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    from scrm import cli

    cli.init_app(app)
    return app


def _keep_text_settings_text(app: Flask) -> None:
    # from_prefixed_env parses values as JSON, so SCRM_WECOM_CALLBACK_TOKEN=123456 would arrive
    # as an int; every setting whose default is text stays text.
    from scrm import config as defaults

    for key in dir(defaults):
        if key.isupper() and isinstance(getattr(defaults, key), str):
            value = app.config.get(key)
            if value is not None and not isinstance(value, str):
                app.config[key] = str(value)
