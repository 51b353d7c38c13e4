"""Typed calls that hand customers and groups from one member to another: 在职继承 (on-job
handover) and 离职继承 (inheritance from a member who left). None is wrapped by wechatpy.

``transfer_customer`` answers per customer: errcode 0 means WeCom *started* the handover; it
completes 24 hours later unless the customer refuses, and ``transfer_result`` says which.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from scrm.db import from_timestamp
from scrm.wecom.client import WeComClient

#: WeCom takes at most this many customers or groups per call.
BATCH = 100
#: transfer_success_msg is at most this many characters.
MAX_SUCCESS_MSG_CHARS = 200

# transfer_result statuses.
STATUS_DONE = 1
STATUS_WAITING = 2
STATUS_REFUSED = 3
STATUS_AT_LIMIT = 4
STATUS_NO_RECORD = 5

# Per-customer errcodes of transfer_customer worth naming.
ERR_TOO_OFTEN = 40128  # 客户转接过于频繁: at most 2 handovers per customer in 90 days
ERR_IN_TRANSFER = 40129  # 当前客户正在转接中: already started (by us, earlier)


@dataclass(frozen=True)
class CustomerOutcome:
    """How WeCom answered for one customer of a transfer_customer call (0: started)."""

    external_userid: str
    errcode: int


@dataclass(frozen=True)
class TransferStatus:
    """Where one customer's handover stands (transfer_result)."""

    external_userid: str
    status: int
    takeover_time: datetime | None


@dataclass(frozen=True)
class Unassigned:
    """A customer of a member who left, waiting for a new RM (get_unassigned_list)."""

    handover_userid: str
    external_userid: str
    dimission_time: datetime | None


def _prefix(resigned: bool) -> str:
    return "externalcontact/resigned/" if resigned else "externalcontact/"


def transfer_customers(
    client: WeComClient,
    handover_userid: str,
    takeover_userid: str,
    external_userids: Sequence[str],
    *,
    resigned: bool = False,
    success_msg: str | None = None,
) -> list[CustomerOutcome]:
    """Start handing up to 100 customers over (``[resigned/]transfer_customer``).

    :param success_msg: what WeCom shows the customer (on-job only, ≤200 characters).
    :raise ValueError: more than 100 customers.
    """
    if len(external_userids) > BATCH:
        raise ValueError(f"{len(external_userids)} customers; WeCom takes at most {BATCH} a call")
    body = {
        "handover_userid": handover_userid,
        "takeover_userid": takeover_userid,
        "external_userid": list(external_userids),
    }
    if success_msg and not resigned:
        body["transfer_success_msg"] = success_msg
    data = client.post(_prefix(resigned) + "transfer_customer", data=body)
    return [
        CustomerOutcome(r["external_userid"], int(r.get("errcode", 0)))
        for r in data.get("customer") or []
    ]


def transfer_results(
    client: WeComClient, handover_userid: str, takeover_userid: str, *, resigned: bool = False
) -> list[TransferStatus]:
    """Every customer's handover status between two members (``[resigned/]transfer_result``)."""
    body = {"handover_userid": handover_userid, "takeover_userid": takeover_userid}
    rows = []
    while True:
        data = client.post(_prefix(resigned) + "transfer_result", data=body)
        rows += [
            TransferStatus(
                r["external_userid"],
                int(r.get("status", 0)),
                from_timestamp(r.get("takeover_time")),
            )
            for r in data.get("customer") or []
        ]
        if not data.get("next_cursor"):
            return rows
        body["cursor"] = data["next_cursor"]


def unassigned_customers(client: WeComClient, page_size: int = 1000) -> Iterator[Unassigned]:
    """Every customer of members who left, waiting for a new RM (``get_unassigned_list``)."""
    body: dict = {"page_size": page_size}
    while True:
        data = client.post("externalcontact/get_unassigned_list", data=body)
        for r in data.get("info") or []:
            yield Unassigned(
                r["handover_userid"], r["external_userid"], from_timestamp(r.get("dimission_time"))
            )
        if data.get("is_last", True) or not data.get("next_cursor"):
            return
        body["cursor"] = data["next_cursor"]


def transfer_groups(
    client: WeComClient, chat_ids: Sequence[str], new_owner: str, *, resigned: bool
) -> dict[str, tuple[int, str]]:
    """Give up to 100 groups a new owner (``groupchat/transfer`` for a resigned owner,
    ``groupchat/onjob_transfer`` otherwise).

    :return: the groups that failed: ``chat_id → (errcode, errmsg)``; the others moved.
    :raise ValueError: more than 100 groups.
    """
    if len(chat_ids) > BATCH:
        raise ValueError(f"{len(chat_ids)} groups; WeCom takes at most {BATCH} a call")
    path = "groupchat/transfer" if resigned else "groupchat/onjob_transfer"
    data = client.post(
        "externalcontact/" + path, data={"chat_id_list": list(chat_ids), "new_owner": new_owner}
    )
    return {
        r["chat_id"]: (int(r.get("errcode", 0)), r.get("errmsg") or "")
        for r in data.get("failed_chat_list") or []
    }
