"""What the worker's clock runs for mass campaigns, and when (``CLOCK_JOBS``)."""

from __future__ import annotations

import logging

from scrm.worker.schedule import ClockJob, daily_at, every

log = logging.getLogger(__name__)


def poll_mass_campaigns() -> None:
    """Ask WeCom which RMs confirmed the open campaigns and what each recipient got (no
    callback exists); cancel tasks the outbox created after their campaign was cancelled."""
    from scrm.campaigns.results import poll_open_campaigns
    from scrm.db import utcnow

    counts = poll_open_campaigns(utcnow())  # the clock commits
    if any(v for k, v in counts.items() if k != "campaigns"):
        log.info("mass campaigns polled: %s", counts)


def remind_unconfirmed_campaigns() -> None:
    """Once a day, ask WeCom to remind the RMs who have not confirmed an open campaign
    (within WeCom's 3 reminders per message in 24 hours)."""
    from scrm.campaigns.models import SENDING
    from scrm.campaigns.results import open_campaigns, remind_unconfirmed
    from scrm.db import db, utcnow
    from scrm.wecom.errors import WeComError

    now = utcnow()
    for campaign in open_campaigns():
        if campaign.status != SENDING:
            continue
        try:
            outcome = remind_unconfirmed(campaign, now)
        except WeComError as exc:
            log.warning("campaign %s: WeCom did not answer the reminder: %s", campaign.id, exc)
            db.session.rollback()
            continue
        db.session.commit()  # commit in steps: a later campaign's rollback must not undo this one
        if outcome:
            log.info("campaign %s reminders: %s", campaign.id, outcome)


CLOCK_JOBS = (
    ClockJob(
        id="campaigns.poll",
        description="poll WeCom for who confirmed open mass messages and what each customer got",
        func=poll_mass_campaigns,
        trigger=every(minutes=10),
    ),
    ClockJob(
        id="campaigns.remind_unconfirmed",
        description="remind RMs who have not confirmed an open mass message (15:00)",
        func=remind_unconfirmed_campaigns,
        trigger=daily_at(15, 0),
    ),
)
