"""CLI commands (placeholder until filled in)."""

from flask.cli import AppGroup


def register(group: AppGroup) -> None:
    """Add this domain's commands to the ``scrm`` group."""
