"""Operations: configuration check and statistics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the status page at ``/`` and ``scrm check-config``, ``stats``, ``grant-role``
    and ``revoke-role``."""
    from scrm.cli import add_commands
    from scrm.ops import cli, pages

    app.register_blueprint(pages.bp)
    add_commands(
        app,
        cli.check_config_command,
        cli.stats_command,
        cli.grant_role_command,
        cli.revoke_role_command,
    )
