"""scrm: a WeCom private-domain SCRM for bank relationship managers."""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

#: The packages ``create_app`` asks to register themselves (blueprints, ``scrm`` commands, clock
#: jobs) through their ``init_app``. Any order builds the same app: no package registers
#: another's parts, and shared command groups are whole once imported. Those with clock jobs
#: come first, in the order the clock has always listed its jobs (the nightly sync first).
PACKAGES: tuple[str, ...] = (
    "scrm.sync",  # scrm sync; the nightly full sync
    "scrm.archive",  # /api/archive/ (存档检索, 证据导出); scrm archive; ingest pull, indexer
    "scrm.sop",  # /api/sop/ (标准群SOP); scrm sop; the SOP clock
    "scrm.dashboards",  # /api/dashboards/ (分行看板); scrm dashboards; the RM rollup
    "scrm.moments",  # /api/moments/ (客户朋友圈); scrm moments; polls and reminders
    "scrm.compliance",  # /api/review/ (合规复核), /api/lexicon; scrm review, lexicon, scan
    "scrm.acquisition",  # /api/acquisition/ (获客: 渠道活码, 批量加好友); scrm acquisition
    "scrm.campaigns",  # /api/campaigns/ (客户群发); scrm campaigns
    "scrm.custody",  # /api/custody/ (在职转接, 离职继承); scrm custody
    "scrm.ops",  # the status page at /; scrm check-config, stats, grant-role, revoke-role
    "scrm.inbox",  # /wecom/callback
    "scrm.outbox",  # scrm outbox
    "scrm.worker",  # scrm worker, retry-failed-events
    "scrm.demo",  # scrm demo
    "scrm.audit",  # /api/audit/ (访问审计); scrm audit
    "scrm.customers",  # /api/customers/ (客户: 标签, 跟进记录, 身份认证); scrm customers
    "scrm.web",  # sign-in pages, sidebar and console landing pages, JS-SDK, /vendor/ assets
    "scrm.sidebar",  # the RM sidebar page and /api/sidebar/ (话术库, checked send)
    "scrm.console",  # console screens (管理后台)
)


def create_app(
    test_config: Mapping[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Build the Flask application.

    Configuration: ``scrm.config`` → ``instance/config.py`` → ``SCRM_*`` environment
    variables → ``test_config``. Nothing here touches the network or migrates the database.

    :raise scrm.secret_key.WeakSecretKey: when built for a web server (not by the ``flask``
        command, not in tests) without a real ``SECRET_KEY``.

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

    from scrm import auth, cli, db, errors, payloads, secret_key

    # First: a server with a key anyone knows must not start (and serves nothing if it did).
    secret_key.init_app(app)
    # Before any rule is added: every <int:…> id is bounded to what the databases hold.
    app.url_map.converters["int"] = payloads.IdConverter
    app.url_map.converters["bigid"] = payloads.BigIdConverter
    app.before_request(payloads.refuse_unstorable_text)
    db.init_app(app)
    errors.init_app(app)
    # /api/session, and the CSRF check on every /api/ write, before any package's own hooks.
    auth.init_app(app)
    cli.init_app(app)  # the `scrm` group with init-db; the packages add their commands
    for name in PACKAGES:
        importlib.import_module(name).init_app(app)

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
