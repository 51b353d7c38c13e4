"""What the worker's clock runs for custody, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

import logging

from scrm.worker.schedule import ClockJob, every

log = logging.getLogger(__name__)


def poll_custody() -> dict[str, int]:
    """Follow up open handovers (``transfer_result``), then plan inheritance for members who
    left without a plan (a missed ``delete_user``, or WeCom status 5)."""
    from scrm.custody.inheritance import plan_departures
    from scrm.custody.results import poll_handovers
    from scrm.db import db

    counts = poll_handovers()
    db.session.commit()  # commit in steps: on SQLite planning's token fetch must not wait on us
    planned = plan_departures()
    if any(counts.values()) or planned:
        log.info("custody polled: %s; inheritance plans made: %s", counts, planned)
    return counts | {"planned": planned}


CLOCK_JOBS = (
    ClockJob(
        id="custody.poll",
        description="follow handovers and inheritances (transfer_result); plan them for leavers",
        func=poll_custody,
        trigger=every(minutes=30),
    ),
)
