"""Did a send that was in flight when a worker died reach WeCom? Ask WeCom's own lists.

A worker marks a delivery ``sending`` and commits before calling WeCom, and marks it
``sent`` after. If it dies in between, the next worker must not send blindly:

- mass messages: ``get_groupmsg_list_v2`` lists what the corp created (filter_type 0) by
  the same creator (our sender) since the send began; the same text and attachment kinds,
  not already recorded by another delivery, is our send.
- moments: ``get_moment_list`` likewise (corp moments have no per-RM creator to filter on).
- welcome messages need no search: a resend of a used code answers 41051 (see delivery).
- app messages (``message/send``) have no list to ask: they are never resent after an
  uncertain attempt (at most once), see delivery.

The search cannot see a send WeCom has not listed yet; WeCom lists a mass message or moment
as soon as it is created, so a send found missing is taken as never made.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scrm.db import utcnow
from scrm.outbox.kinds import MASS_MESSAGE, MOMENT, attachment_kinds, text_of
from scrm.outbox.services import recorded_refs
from scrm.wecom.client import WeComClient
from scrm.wecom.endpoints.send import list_mass_messages, list_moments

#: Clock difference allowed between us and WeCom when opening the search window.
CLOCK_SKEW = timedelta(minutes=5)
#: WeCom refuses list windows over one month.
MAX_WINDOW = timedelta(days=30)

EVIDENCE_KINDS = (MASS_MESSAGE, MOMENT)


def _window(since: datetime) -> tuple[datetime, datetime]:
    end = utcnow() + CLOCK_SKEW
    return max(since - CLOCK_SKEW, end - MAX_WINDOW), end


def find_previous_send(
    client: WeComClient, kind: str, payload: dict, since: datetime, delivery_id: int
) -> tuple[str, dict] | None:
    """Look for a send of this delivery that WeCom already accepted.

    :param since: when the first possibly-successful send began (``sending_started_at``).
    :return: ``(wecom_ref, result)`` when found, None when WeCom lists no such send.
    :raise WeComError: when WeCom could not be asked; the caller retries later.
    """
    start, end = _window(since)
    taken = recorded_refs(kind, start, excluding=delivery_id)
    text, kinds = text_of(payload), tuple(attachment_kinds(payload))
    if kind == MASS_MESSAGE:
        records = list_mass_messages(
            client,
            chat_type=payload.get("chat_type", "single"),
            start=start,
            end=end,
            creator=payload["sender"],
        )
        matches = [
            r
            for r in records
            if r.msgid not in taken and r.text == text and r.attachment_kinds == kinds
        ]
        if matches:
            first = min(matches, key=lambda r: (r.created_at or start, r.msgid))
            return first.msgid, {"msgid": first.msgid, "confirmed_by": "get_groupmsg_list_v2"}
        return None
    if kind == MOMENT:
        moments = [
            m
            for m in list_moments(client, start=start, end=end)
            if m.moment_id not in taken and m.text == text and m.attachment_kinds == kinds
        ]
        if moments:
            first = min(moments, key=lambda m: (m.created_at or start, m.moment_id))
            return first.moment_id, {
                "moment_id": first.moment_id,
                "confirmed_by": "get_moment_list",
            }
        return None
    raise ValueError(f"no evidence search for {kind}")
