"""What the worker's clock runs for archive search: keep the index beside the archive."""

from __future__ import annotations

import logging

from apscheduler.triggers.interval import IntervalTrigger

from scrm.worker.schedule import ClockJob

log = logging.getLogger(__name__)

#: Messages indexed per run at most, so one run never holds the database for long.
RUN_LIMIT = 20000


def index_archive_for_search() -> None:
    """Index the archived messages written since the last run (the clock commits)."""
    from scrm.archive.search.indexer import index_new_messages

    count = index_new_messages(limit=RUN_LIMIT)
    if count:
        log.info("archive search index: %d messages indexed", count)


CLOCK_JOBS = (
    ClockJob(
        id="archive.index_for_search",
        description="index newly archived messages for archive search",
        func=index_archive_for_search,
        trigger=lambda config, tz: IntervalTrigger(seconds=5, timezone=tz),
    ),
)
