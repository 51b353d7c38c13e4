"""Channel QR codes (渠道活码, 联系我) and group invite codes (群活码): thin typed calls.

``add_contact_way`` makes a QR code that adds one RM (type 1) or any of up to 100 RMs (type 2);
the ``state`` it carries comes back in the ``add_external_contact`` event and on the follow,
which is how a customer is attributed to a channel. ``groupchat/add_join_way`` makes a code
that joins a customer group. None of these sends content, so they use the ordinary retrying
client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scrm.wecom.client import WeComClient

SINGLE = 1  # one RM
MULTI = 2  # several RMs; WeCom picks one per scan
SCENE_QR = 2  # a QR code (1 would be a mini-program button)
MAX_STATE_CHARS = 30
MAX_REMARK_CHARS = 30
MAX_USERS = 100
MAX_JOIN_CHATS = 5


@dataclass(frozen=True)
class ContactWay:
    """One 联系我 configuration as WeCom reports it."""

    config_id: str
    type: int
    scene: int
    state: str | None
    remark: str | None
    skip_verify: bool
    users: tuple[str, ...]
    qr_code: str | None


@dataclass(frozen=True)
class JoinWay:
    """One group invite code (加入群聊) as WeCom reports it."""

    config_id: str
    chat_ids: tuple[str, ...]
    state: str | None
    qr_code: str | None


def _check(state: str | None, remark: str | None, users: Sequence[str]) -> None:
    if state is not None and len(state) > MAX_STATE_CHARS:
        raise ValueError(f"state {state!r} is {len(state)} characters; WeCom allows 30")
    if remark is not None and len(remark) > MAX_REMARK_CHARS:
        raise ValueError(f"remark is {len(remark)} characters; WeCom allows 30 — shorten it")
    if len(users) > MAX_USERS:
        raise ValueError(f"{len(users)} RMs; WeCom allows {MAX_USERS} per code — split it")


def add_contact_way(
    client: WeComClient,
    *,
    users: Sequence[str],
    state: str,
    remark: str | None = None,
    skip_verify: bool = True,
) -> tuple[str, str]:
    """Create a QR code that adds one of ``users`` (type 1 for one RM, 2 for several).

    :return: ``(config_id, qr_code)``.
    :raise ValueError: state or remark over 30 characters, no RM, or more than 100.
    :raise WeComError: what WeCom answered (e.g. 40098 for an RM without 客户联系).
    """
    if not users:
        raise ValueError("a channel code needs at least one RM")
    _check(state, remark, users)
    body: dict[str, Any] = {
        "type": SINGLE if len(users) == 1 else MULTI,
        "scene": SCENE_QR,
        "skip_verify": bool(skip_verify),
        "state": state,
        "user": list(users),
    }
    if remark:
        body["remark"] = remark
    data = client.post("externalcontact/add_contact_way", data=body)
    return data["config_id"], data.get("qr_code") or ""


def get_contact_way(client: WeComClient, config_id: str) -> ContactWay:
    """One 联系我 configuration (``get_contact_way``)."""
    way = client.post("externalcontact/get_contact_way", data={"config_id": config_id})[
        "contact_way"
    ]
    return ContactWay(
        config_id=way["config_id"],
        type=int(way.get("type", SINGLE)),
        scene=int(way.get("scene", SCENE_QR)),
        state=way.get("state") or None,
        remark=way.get("remark") or None,
        skip_verify=bool(way.get("skip_verify", True)),
        users=tuple(way.get("user") or ()),
        qr_code=way.get("qr_code") or None,
    )


def update_contact_way(
    client: WeComClient,
    config_id: str,
    *,
    users: Sequence[str] | None = None,
    state: str | None = None,
    remark: str | None = None,
    skip_verify: bool | None = None,
) -> None:
    """Change a 联系我 configuration; WeCom overwrites each field given (``update_contact_way``).

    :raise ValueError: state or remark over 30 characters, or more than 100 RMs.
    """
    _check(state, remark, users or ())
    body: dict[str, Any] = {"config_id": config_id}
    if users is not None:
        body["user"] = list(users)
    if state is not None:
        body["state"] = state
    if remark is not None:
        body["remark"] = remark
    if skip_verify is not None:
        body["skip_verify"] = bool(skip_verify)
    client.post("externalcontact/update_contact_way", data=body)


def del_contact_way(client: WeComClient, config_id: str) -> None:
    """Delete a 联系我 configuration: its QR code stops working (``del_contact_way``)."""
    client.post("externalcontact/del_contact_way", data={"config_id": config_id})


def list_contact_ways(
    client: WeComClient, *, start_time: int | None = None, end_time: int | None = None
) -> list[str]:
    """Every config_id the app created (``list_contact_way``, all cursor pages)."""
    body: dict[str, Any] = {"limit": 1000}
    if start_time is not None:
        body["start_time"] = start_time
    if end_time is not None:
        body["end_time"] = end_time
    ids: list[str] = []
    while True:
        data = client.post("externalcontact/list_contact_way", data=body)
        ids.extend(w["config_id"] for w in data.get("contact_way") or [])
        if not data.get("next_cursor"):
            return ids
        body["cursor"] = data["next_cursor"]


def add_join_way(
    client: WeComClient, *, chat_ids: Sequence[str], state: str, remark: str | None = None
) -> str:
    """Create a group invite code for up to 5 groups (``groupchat/add_join_way``).

    :return: the config_id; :func:`get_join_way` gives its QR code.
    """
    if not 1 <= len(chat_ids) <= MAX_JOIN_CHATS:
        raise ValueError(f"a group invite code takes 1 to {MAX_JOIN_CHATS} groups")
    _check(state, remark, ())
    body: dict[str, Any] = {"scene": SCENE_QR, "chat_id_list": list(chat_ids), "state": state}
    if remark:
        body["remark"] = remark
    return client.post("externalcontact/groupchat/add_join_way", data=body)["config_id"]


def get_join_way(client: WeComClient, config_id: str) -> JoinWay:
    """One group invite code with its QR code (``groupchat/get_join_way``)."""
    way = client.post("externalcontact/groupchat/get_join_way", data={"config_id": config_id})[
        "join_way"
    ]
    return JoinWay(
        config_id=way["config_id"],
        chat_ids=tuple(way.get("chat_id_list") or ()),
        state=way.get("state") or None,
        qr_code=way.get("qr_code") or None,
    )


def del_join_way(client: WeComClient, config_id: str) -> None:
    """Delete a group invite code (``groupchat/del_join_way``)."""
    client.post("externalcontact/groupchat/del_join_way", data={"config_id": config_id})
