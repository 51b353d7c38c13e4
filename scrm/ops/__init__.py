"""Operations: configuration check, statistics, the status page and the health probes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the status page at ``/``, the probes ``/healthz`` and ``/readyz``, and
    ``scrm check-config``, ``stats``, ``grant-role`` and ``revoke-role``."""
    from scrm.cli import add_commands
    from scrm.ops import api, cli, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    add_commands(
        app,
        cli.check_config_command,
        cli.stats_command,
        cli.grant_role_command,
        cli.revoke_role_command,
    )
