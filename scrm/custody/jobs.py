"""What the worker's clock runs for custody (the schedule is in scrm.worker.jobs)."""

from __future__ import annotations

import logging

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
