"""What the worker's clock runs for acquisition (the schedule is in scrm.worker.jobs)."""

from __future__ import annotations

import logging

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
