"""What the worker's clock runs for archive search (the schedule is in scrm.worker.jobs)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

#: Messages indexed per run at most, so one run never holds the database for long.
RUN_LIMIT = 20000


def index_archive_for_search() -> None:
    """Index the archived messages written since the last run (the clock commits)."""
    from scrm.archive.search.indexer import index_new_messages

    count = index_new_messages(limit=RUN_LIMIT)
    if count:
        log.info("archive search index: %d messages indexed", count)
