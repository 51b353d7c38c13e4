"""Adds WeCom never pushed: the follows a sync found that no callback told us about.

WeCom pushes each change once and re-delivers only three times within seconds (wecom-api.md,
"回调"); when our web tier is down longer than that, the change is gone from WeCom's side.
The full sync finds the relation anyway. This module answers the operator's question after
an outage — which customers added an RM since then without a callback reaching us — so the
RMs can greet them by hand: their welcome code (20 s) expired with the lost push.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from scrm.customers.models import FOLLOW_ACTIVE, FOLLOW_HALF, Customer, Follow
from scrm.db import db
from scrm.directory.models import Staff
from scrm.inbox.models import InboundEvent
from scrm.wecom.events import ExternalContactChanged, parse_event

#: The change types of a customer adding an RM.
ADD_CHANGES = ("add_external_contact", "add_half_external_contact")
# A callback is stamped by WeCom when it is sent, a follow when the customer added: allow for
# WeCom's re-delivery and clock skew between the two.
_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class MissedAdd:
    """A customer who added an RM at ``added_at`` with no add callback stored for it."""

    external_userid: str
    customer_name: str
    rm_userid: str
    rm_name: str
    added_at: datetime
    state: str | None


def pushed_adds(since: datetime) -> set[tuple[str, str]]:
    """``(rm userid, external_userid)`` of every add callback WeCom stamped after ``since``."""
    payloads = db.session.scalars(
        select(InboundEvent.payload).where(
            InboundEvent.event == "change_external_contact",
            InboundEvent.change_type.in_(ADD_CHANGES),
            InboundEvent.wecom_created_at >= since - _SLACK,
        )
    )
    pushed = set()
    for payload in payloads:
        event = parse_event(payload)
        if isinstance(event, ExternalContactChanged):
            pushed.add((event.userid, event.external_userid))
    return pushed


def adds_not_pushed(since: datetime) -> list[MissedAdd]:
    """Live follows added at or after ``since`` that no add callback announced, oldest first.

    Run it after a sync: the follows it lists are the sync's repairs of lost pushes.
    """
    pushed = pushed_adds(since)
    rows = db.session.execute(
        select(Follow, Customer, Staff)
        .join(Customer, Follow.customer_id == Customer.id)
        .join(Staff, Follow.staff_id == Staff.id)
        .where(
            Follow.followed_at >= since,
            Follow.status.in_((FOLLOW_ACTIVE, FOLLOW_HALF)),
            Follow.removed_at.is_(None),
        )
        .order_by(Follow.followed_at, Follow.id)
    )
    return [
        MissedAdd(
            customer.external_userid,
            customer.name or "",
            staff.userid,
            staff.name or staff.userid,
            follow.followed_at,
            follow.state,
        )
        for follow, customer, staff in rows
        if (staff.userid, customer.external_userid) not in pushed
    ]
