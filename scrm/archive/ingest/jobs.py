"""What the worker's clock runs for conversation-archive ingest (会话内容存档)."""

from __future__ import annotations

import logging

from apscheduler.triggers.interval import IntervalTrigger

from scrm.worker.schedule import ClockJob

log = logging.getLogger(__name__)


def pull_conversation_archive() -> None:
    """Read what RMs typed in WeCom since the last pull (会话内容存档), when ingest is on.

    msgaudit_notify also triggers a pull; this timer catches what a lost notify left behind.
    """
    # Imported late, like the sync's: the worker starts without the ingest.
    from scrm.archive.ingest.services import pull_configured_archive

    counts = pull_configured_archive()
    if counts:
        log.info("conversation archive pulled on the clock: %s", counts)


CLOCK_JOBS = (
    ClockJob(
        id="archive.pull_conversation_archive",
        description="pull the conversation archive (会话内容存档) and scan what RMs typed",
        func=pull_conversation_archive,
        trigger=lambda config, tz: (
            IntervalTrigger(seconds=float(config["ARCHIVE_PULL_SECONDS"]), timezone=tz)
            if config.get("ARCHIVE_SOURCE")
            else None
        ),
    ),
)
