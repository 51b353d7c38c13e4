"""What the worker's clock runs for acquisition, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

import logging

from scrm.worker.schedule import ClockJob, daily_at, every

log = logging.getLogger(__name__)


def settle_welcome_messages() -> None:
    """Copy the outbox's outcome of welcome messages onto their channel attributions, and
    close bulk-add tasks whose 客户号 got bound to a customer of the task's RM."""
    from scrm.acquisition.bulk_add import close_tasks_by_binding
    from scrm.acquisition.welcome import settle_welcome_statuses

    settled = settle_welcome_statuses()
    closed = close_tasks_by_binding()
    if settled or closed:
        log.info(
            "acquisition: welcome statuses %s, bulk-add tasks closed by binding %s", settled, closed
        )


def remind_pending_adds() -> None:
    """One app message a day to each RM with bulk-add tasks still waiting."""
    from scrm.acquisition.bulk_add import remind_pending_adds as remind

    reminded = remind()
    if reminded:
        log.info("acquisition: %s RMs reminded of pending adds", reminded)


def attribute_synced_follows() -> None:
    """Attribute channel adds that the full sync stored but no event applied."""
    from scrm.acquisition.attribution import attribute_synced_follows as attribute

    count = attribute()
    if count:
        log.info("acquisition: %s adds attributed from the sync", count)


CLOCK_JOBS = (
    ClockJob(
        id="acquisition.settle_welcome_messages",
        description="copy welcome-message outcomes onto channel adds; close bulk adds by 客户号",
        func=settle_welcome_messages,
        trigger=every(minutes=1),
    ),
    ClockJob(
        id="acquisition.remind_pending_adds",
        description="remind RMs of pending bulk adds (批量加好友, 09:30)",
        func=remind_pending_adds,
        trigger=daily_at(9, 30),
    ),
    ClockJob(
        id="acquisition.attribute_synced_follows",
        description="attribute channel adds the nightly sync saw and no event applied",
        func=attribute_synced_follows,
        trigger=daily_at(3, 0),
    ),
)
