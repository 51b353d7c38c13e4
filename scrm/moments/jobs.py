"""What the worker's clock runs for moments, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

import logging

from scrm.worker.schedule import ClockJob, daily_at, every

log = logging.getLogger(__name__)


def pull_moment_engagement() -> None:
    """Pull likes and comments on recent moments posts, open the commenters' follow-ups,
    and close those the RM answered in a 1v1 chat (seen in the archive)."""
    from scrm.db import utcnow
    from scrm.moments.engagement import (
        PULL_WINDOW,
        close_follow_ups_from_archive,
        pull_interactions,
    )

    now = utcnow()
    counts = pull_interactions(now)
    # Comments arrive up to a week after a post; give the RM a week more to answer.
    closed = close_follow_ups_from_archive(now - 2 * PULL_WINDOW)
    if any(counts.values()) or closed:
        log.info("moments engagement pulled: %s, follow-ups closed: %s", counts, closed)


def poll_moment_publications() -> None:
    """Ask WeCom which RMs published the recent moments (no callback exists), and stop the
    tasks of posts cancelled while WeCom was creating them."""
    from scrm.db import utcnow
    from scrm.moments.cancel import finish_cancellations
    from scrm.moments.tracking import poll_publications

    counts = poll_publications(utcnow())
    if counts.get("published") or counts.get("failed"):
        log.info("moments polled: %s", counts)
    # Posts cancelled while WeCom was still creating their task are stopped once it exists.
    stopped = finish_cancellations()
    if stopped["cancelled"] or stopped["failed"]:
        log.info("moment cancellations finished: %s", stopped)


def remind_unpublished_moments() -> None:
    """Remind the RMs who have not published the recent central moments (once a day each)."""
    from scrm.db import utcnow
    from scrm.moments.tracking import poll_publications, remind_all_unpublished

    now = utcnow()
    poll_publications(now)  # nobody is reminded of a post they published this afternoon
    reminded = remind_all_unpublished(now)
    if any(reminded.values()):
        log.info("central moments reminders queued: %s", reminded)


CLOCK_JOBS = (
    ClockJob(
        id="moments.pull_engagement",
        description="pull likes and comments on moments; open and close 1v1 follow-ups",
        func=pull_moment_engagement,
        trigger=every(minutes=30),
    ),
    ClockJob(
        id="moments.poll_publications",
        description="poll WeCom for which RMs published the moments, and finish cancellations",
        func=poll_moment_publications,
        trigger=every(minutes=10),
    ),
    ClockJob(
        id="moments.remind_unpublished",
        description="remind RMs who have not published the central moments (16:00)",
        func=remind_unpublished_moments,
        trigger=daily_at(16, 0),
    ),
)
