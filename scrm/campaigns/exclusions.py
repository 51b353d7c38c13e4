"""Who is left out of a mass message before it is sent, and why.

- **One mass message per customer (and per customer group) per day** (Asia/Shanghai): WeCom
  counts corp- and member-created mass messages together and skips the extra ones. scrm checks
  its own archive (mass messages released through the gate today, whose delivery is not dead);
  what members send from their own client shows up later as WeCom's status 3, the final word.
- **Conversation-archive agreement** (会话内容存档): when ``CAMPAIGNS_REQUIRE_ARCHIVE_AGREEMENT``
  is on (the default) and the archive app is configured, customers who refused to have their
  chats with the RM archived (``check_single_agree`` → Disagree) are not marketed to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, literal, select, true

from scrm.archive.chain.models import OUTBOUND, RELEASED, ArchivedMessage
from scrm.db import UTCDateTime, db, is_postgres
from scrm.outbox.kinds import MASS_MESSAGE
from scrm.outbox.models import DEAD, Delivery
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.msgaudit import DISAGREE, check_single_agree

AGREE_CHUNK = 100  # pairs per check_single_agree call


def start_of_day(now: datetime) -> datetime:
    """Midnight of ``now``'s day in ``SCRM_TIMEZONE`` (the day WeCom's quota counts)."""
    zone = ZoneInfo(current_app.config["SCRM_TIMEZONE"])
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


def mass_messaged_today(targets: Sequence[str], now: datetime, *, groups: bool) -> set[str]:
    """Which of ``targets`` (external_userids, or chat_ids when ``groups``) already have a mass
    message released today through the gate, according to our archive and outbox."""
    column = ArchivedMessage.chat_ids if groups else ArchivedMessage.recipients
    fn = func.json_array_elements_text if is_postgres() else func.json_each
    rows = fn(column).table_valued("value", joins_implicitly=True)
    mass = select(Delivery.archived_message_id).where(
        Delivery.kind == MASS_MESSAGE, Delivery.status != DEAD
    )
    # Today's mass messages are few next to the customers: read their recipients once.
    query = (
        select(rows.c.value)
        .select_from(ArchivedMessage)
        .join(rows, true())
        .where(
            ArchivedMessage.direction == OUTBOUND,
            ArchivedMessage.outcome == RELEASED,
            ArchivedMessage.created_at >= literal(start_of_day(now), UTCDateTime()),
            ArchivedMessage.id.in_(mass),
        )
        .distinct()
    )
    return set(db.session.scalars(query)) & set(targets)


def archive_refused(pairs: Iterable[tuple[str, str]]) -> set[str]:
    """The external_userids of ``(external_userid, userid)`` pairs whose customer refused the
    conversation archive, when the bank requires agreement; empty when it does not, or when no
    archive app is configured (``WECOM_ARCHIVE_SECRET``).

    :raise WeComError: WeCom did not answer; nothing is sent without the check.
    """
    config = current_app.config
    if not config.get("CAMPAIGNS_REQUIRE_ARCHIVE_AGREEMENT", True):
        return set()
    if not config.get("WECOM_ARCHIVE_SECRET"):
        return set()
    pairs = [(userid, eid) for eid, userid in pairs]
    client = get_client("archive")
    refused: set[str] = set()
    for start in range(0, len(pairs), AGREE_CHUNK):
        for info in check_single_agree(client, pairs[start : start + AGREE_CHUNK]):
            if info.status == DISAGREE:
                refused.add(info.external_userid)
    return refused
