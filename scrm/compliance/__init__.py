"""Compliance: the lexicon, the scanner (pure), the one outbound gate, review cases."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the review API (``/api/review/``), the lexicon API (``/api/lexicon``), the
    ``scrm review`` and ``scrm lexicon`` groups, ``scrm scan``, and the lexicon snapshot on
    the clock."""
    from scrm.cli import add_commands
    from scrm.compliance.lexicon import api as lexicon_api
    from scrm.compliance.lexicon import cli as lexicon_cli
    from scrm.compliance.lexicon import jobs as lexicon_jobs
    from scrm.compliance.review import api as review_api
    from scrm.compliance.review import cli as review_cli
    from scrm.compliance.scanning import cli as scan_cli
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(review_api.bp)
    app.register_blueprint(lexicon_api.bp)
    add_commands(app, lexicon_cli.lexicon_cli, review_cli.review_cli, scan_cli.scan_command)
    add_clock_jobs(app, lexicon_jobs.CLOCK_JOBS)
