"""The compliance archive (合规存档): every outbound attempt and every ingested message, in an
append-only, hash-chained table that ``scrm archive verify`` can prove untouched."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register archive search and evidence exports under ``/api/archive/``, the
    ``scrm archive`` group, and the ingest pull and the search indexer on the clock."""
    from scrm.archive import cli
    from scrm.archive.export import api as export_api
    from scrm.archive.ingest import jobs as ingest_jobs
    from scrm.archive.search import api as search_api
    from scrm.archive.search import jobs as search_jobs
    from scrm.cli import add_commands
    from scrm.worker.schedule import add_clock_jobs

    app.register_blueprint(search_api.bp)
    app.register_blueprint(export_api.bp)
    add_commands(app, cli.archive_cli)
    add_clock_jobs(app, ingest_jobs.CLOCK_JOBS + search_jobs.CLOCK_JOBS)
