"""Who came through which channel (渠道归因), applied from add_external_contact.

:func:`on_customer_added` is the inbox's hook: it runs inside the event's transaction, after
the customer and the follow were refreshed from WeCom. Every add whose state a channel of ours
carries is recorded once per (customer, RM, state), unique in the database, so a callback
delivered twice, an event applied again after a crash, or an add the full sync saw first
records nothing twice and greets nobody twice. An unknown state is kept as an "unknown
channel" row with the raw state. WeCom calls (tags, the bulk-add check) come before the
welcome goes through the gate, so the archive's lock is held only at the end.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, select

from scrm.acquisition.models import AcquisitionChannel, ChannelAttribution
from scrm.customers.models import FOLLOW_ACTIVE, CorpTag, Follow, FollowTag
from scrm.db import db, insert_unless_present, utcnow
from scrm.wecom.endpoints.tags import mark_tag
from scrm.wecom.errors import WeComError
from scrm.wecom.events import ExternalContactChanged

log = logging.getLogger(__name__)


def on_customer_added(event: ExternalContactChanged, follow: Follow | None) -> None:
    """Apply the acquisition side of an add: close bulk-add tasks, attribute the channel, put
    the channel's tags on, and queue the welcome message. Flushes; the inbox commits.

    :param event: the add_external_contact (or add_half_external_contact) event.
    :param follow: the refreshed follow, ``None`` when WeCom no longer lists the relation.
    :raise WeComError: when WeCom cannot be asked about bulk-add tasks (the inbox retries).
    """
    if follow is None:
        return
    from scrm.acquisition.bulk_add import complete_tasks_for_add
    from scrm.acquisition.welcome import greet

    if not event.state:
        # Not a channel code: added by phone, card, group … Only these can close bulk-add
        # tasks by remark_mobiles; a channel add must not wait on that WeCom call (20 s).
        complete_tasks_for_add(follow)
        return
    row, fresh = record_attribution(
        follow, event.state, welcome_code=event.welcome_code, added_at=event.created_at
    )
    if not fresh:
        return
    if row.channel is not None and row.channel.tag_ids:
        put_channel_tags(row, follow, row.channel)
    greet(row, follow, event.welcome_code)


def record_attribution(
    follow: Follow,
    state: str,
    *,
    welcome_code: str | None = None,
    added_at: datetime | None = None,
    source: str = "event",
) -> tuple[ChannelAttribution, bool]:
    """Record that ``follow`` came through ``state``, once per (customer, RM, state).

    :return: the row and whether this add is new to us: inserted now, or the same customer
        adding again through the code with a new welcome code (they get greeted again).
    """
    channel = db.session.scalar(select(AcquisitionChannel).where(AcquisitionChannel.state == state))
    connection = db.session.connection()
    table = ChannelAttribution.__table__
    statement = insert_unless_present(
        table,
        ["customer_id", "staff_id", "state"],
        dialect=connection.dialect.name,
        returning=["id"],
    )
    now = utcnow()
    inserted = connection.execute(
        statement,
        {
            "channel_id": channel.id if channel else None,
            "state": state,
            "customer_id": follow.customer_id,
            "staff_id": follow.staff_id,
            "add_way": follow.add_way,
            "added_at": added_at or follow.followed_at or now,
            "source": source,
            "welcome_code": welcome_code,
            "tagged": [],
            "note": None if channel else "unknown channel: no channel of ours has this state",
            "created_at": now,
        },
    ).first()
    row = db.session.scalars(
        select(ChannelAttribution).where(
            ChannelAttribution.customer_id == follow.customer_id,
            ChannelAttribution.staff_id == follow.staff_id,
            ChannelAttribution.state == state,
        )
    ).one()
    if inserted is not None:
        return row, True
    if welcome_code and row.welcome_code and welcome_code != row.welcome_code:
        # The customer deleted the RM and scanned again: one attribution, a new greeting.
        row.welcome_code, row.welcome_status, row.welcome_delivery_id = welcome_code, None, None
        db.session.flush()
        return row, True
    return row, False


def put_channel_tags(row: ChannelAttribution, follow: Follow, channel: AcquisitionChannel) -> None:
    """Put the channel's corp tags on the customer in WeCom (``mark_tag``) and locally.

    A refusal is noted on the row and does not stop the welcome, which has 20 seconds.
    """
    try:
        mark_tag(
            _client(), follow.staff.userid, follow.customer.external_userid, add=channel.tag_ids
        )
    except WeComError as exc:
        row.note = f"tags not put on: {exc.errcode} {exc.errmsg[:100]} — check the channel's tags"
        log.warning("attribution %s: mark_tag refused (errcode %s)", row.id, exc.errcode)
        db.session.flush()
        return
    have = {t.tag_key for t in follow.tags}
    for tag in db.session.scalars(select(CorpTag).where(CorpTag.wecom_id.in_(channel.tag_ids))):
        if tag.wecom_id not in have:
            follow.tags.append(
                FollowTag(
                    tag_key=tag.wecom_id,
                    corp_tag_id=tag.id,
                    type=1,
                    group_name=tag.group.name,
                    tag_name=tag.name,
                )
            )
    row.tagged = list(channel.tag_ids)
    db.session.flush()


def _client():
    from scrm.wecom.client import get_client

    return get_client("contact")


def attribute_synced_follows(limit: int = 1000) -> int:
    """Attribute live follows whose state the full sync stored but no event ever applied
    (the event was lost or is still queued). No tags, no welcome: that moment has passed.

    :return: how many rows were recorded.
    """
    missing = (
        select(Follow)
        .outerjoin(
            ChannelAttribution,
            and_(
                ChannelAttribution.customer_id == Follow.customer_id,
                ChannelAttribution.staff_id == Follow.staff_id,
                ChannelAttribution.state == Follow.state,
            ),
        )
        .where(
            Follow.state.is_not(None),
            Follow.status == FOLLOW_ACTIVE,
            ChannelAttribution.id.is_(None),
        )
        .limit(limit)
    )
    count = 0
    for follow in db.session.scalars(missing).all():
        _, fresh = record_attribution(follow, follow.state, source="sync")
        count += int(fresh)
    return count
