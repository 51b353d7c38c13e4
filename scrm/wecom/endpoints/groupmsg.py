"""Typed calls that read what became of a mass message (客户群发) after it was created.

``add_msg_template`` only creates a task: each sender must confirm it in WeCom (群发助手), and
WeCom sends no callback when they do. These read calls tell scrm whether the sender confirmed
(``get_groupmsg_task``) and what each customer or group received
(``get_groupmsg_send_result``). They send nothing, so they use the ordinary retrying client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrm.db import from_timestamp
from scrm.wecom.client import WeComClient

# A sender's status in get_groupmsg_task.
SENDER_UNSENT = 0
SENDER_SENT = 2

# A recipient's status in get_groupmsg_send_result.
RECIPIENT_UNSENT = 0
RECIPIENT_SENT = 1
RECIPIENT_NOT_FRIEND = 2  # 1v1 only: the customer is no longer the sender's
RECIPIENT_QUOTA_TAKEN = 3  # already received a mass message today (one per day)

PAGE_LIMIT = 500  # WeCom's maximum page for both calls


@dataclass(frozen=True)
class SenderStatus:
    """One sender's part of a mass message: 0 not confirmed yet, 2 confirmed and sent."""

    userid: str
    status: int
    send_time: datetime | None


@dataclass(frozen=True)
class RecipientResult:
    """What one customer group (``chat_id``) or customer (``external_userid``) received."""

    target: str
    userid: str
    status: int
    send_time: datetime | None


def _pages(client: WeComClient, path: str, body: dict[str, Any], key: str) -> Iterator[dict]:
    body = {**body, "limit": PAGE_LIMIT}
    while True:
        data = client.post(path, data=body)
        yield from data.get(key) or []
        if not data.get("next_cursor"):
            return
        body["cursor"] = data["next_cursor"]


def get_groupmsg_task(client: WeComClient, msgid: str) -> list[SenderStatus]:
    """Each sender's status for mass message ``msgid`` (``get_groupmsg_task``), all pages.

    :raise WeComError: an unknown msgid answers 40058 (:class:`~scrm.wecom.errors.InvalidRequest`).
    """
    rows = _pages(client, "externalcontact/get_groupmsg_task", {"msgid": msgid}, "task_list")
    return [
        SenderStatus(r["userid"], int(r.get("status", 0)), from_timestamp(r.get("send_time")))
        for r in rows
    ]


def get_groupmsg_send_result(client: WeComClient, msgid: str, userid: str) -> list[RecipientResult]:
    """What each recipient of ``userid``'s part of ``msgid`` received
    (``get_groupmsg_send_result``), all pages.

    For group mass messages WeCom lists only the groups that received it (status 1); a group
    missing from the list did not receive it.
    """
    rows = _pages(
        client,
        "externalcontact/get_groupmsg_send_result",
        {"msgid": msgid, "userid": userid},
        "send_list",
    )
    return [
        RecipientResult(
            target=r.get("chat_id") or r.get("external_userid") or "",
            userid=r.get("userid") or userid,
            status=int(r.get("status", 0)),
            send_time=from_timestamp(r.get("send_time")),
        )
        for r in rows
    ]


def remind_groupmsg_send(client: WeComClient, msgid: str) -> None:
    """Remind the senders of ``msgid`` who have not confirmed it (``remind_groupmsg_send``).

    WeCom allows 3 reminders per message in any 24 hours; it carries no content of ours.

    :raise WeComError: over the limit (45009, :class:`~scrm.wecom.errors.WeComBusy`) or an
        unknown or cancelled msgid (:class:`~scrm.wecom.errors.InvalidRequest`).
    """
    client.post("externalcontact/remind_groupmsg_send", data={"msgid": msgid})


def cancel_groupmsg_send(client: WeComClient, msgid: str) -> None:
    """Stop the corp mass message ``msgid`` (``cancel_groupmsg_send``): senders who have not
    confirmed it can no longer send it; what was sent stays sent.

    :raise WeComError: an unknown msgid (:class:`~scrm.wecom.errors.InvalidRequest`).
    """
    client.post("externalcontact/cancel_groupmsg_send", data={"msgid": msgid})
