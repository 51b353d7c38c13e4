"""The web faces of scrm: sign-in (WeCom OAuth, WeCom web login, local accounts), the sidebar
and console landing pages, JS-SDK signatures, and the npm assets they load."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the web blueprints, the session check (after :mod:`scrm.auth`'s CSRF check,
    which ``create_app`` sets up first), the sign-in throttle, the security headers and proxy
    trust of every answer (:mod:`scrm.web.security`) and ``scrm create-admin`` /
    ``set-admin-password`` / ``unlock-admin`` / ``disable-admin``."""
    from scrm.cli import add_commands
    from scrm.web import assets, fingerprints, jssdk, pages, security
    from scrm.web.signin import cli, sessions, throttle
    from scrm.web.signin import pages as auth_views

    app.before_request(sessions.check_session)
    throttle.init_app(app)
    for blueprint in (auth_views.bp, pages.bp, jssdk.bp, assets.bp):
        app.register_blueprint(blueprint)
    fingerprints.init_app(app)  # static URLs carry ?v=…, so browsers may keep them
    security.init_app(app)  # security headers, Secure cookies over HTTPS, the trusted proxy
    assets.warn_when_not_installed(app)
    add_commands(
        app,
        cli.create_admin_command,
        cli.set_admin_password_command,
        cli.unlock_admin_command,
        cli.disable_admin_command,
    )
