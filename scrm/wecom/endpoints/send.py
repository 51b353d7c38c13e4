"""Typed calls for the WeCom endpoints that send content to customers or staff, and the
read calls that prove after a crash whether a send already happened.

Only :mod:`scrm.outbox.delivery` calls the send functions: every message reaches them through
the compliance gate and the outbox.

Sends go through :func:`sending_client`, which never retries by itself: a timed-out send may
have been applied by WeCom, and a blind retry would send it twice. The outbox decides what to
do after a failure (look for evidence, back off, dead-letter).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from scrm.db import from_timestamp
from scrm.wecom.client import APP_SECRETS, WeComClient

#: Paths that send content; a layering test checks nothing else calls them.
SEND_PATHS = (
    "externalcontact/add_msg_template",
    "externalcontact/send_welcome_msg",
    "externalcontact/add_moment_task",
    "message/send",
)


def sending_client(app_name: str = "contact") -> WeComClient:
    """A client for send calls: token refresh once, but no retry on busy or transport errors.

    :param app_name: ``contact`` (客户联系) or ``agent`` (app messages).
    """
    from scrm.db import db
    from scrm.wecom.tokens import DatabaseTokenStorage

    app = current_app._get_current_object()
    cfg = app.config
    secret = cfg[APP_SECRETS[app_name]]
    cache = app.extensions.setdefault("scrm.wecom.sending_clients", {})
    key = (app_name, cfg["WECOM_CORP_ID"], secret, cfg["WECOM_API_BASE"])
    if key not in cache:
        cache[key] = WeComClient(
            cfg["WECOM_CORP_ID"],
            secret,
            api_base=cfg["WECOM_API_BASE"],
            session=DatabaseTokenStorage(db.engine),
            timeout=cfg["WECOM_HTTP_TIMEOUT"],
            max_retries=0,
        )
    return cache[key]


@dataclass(frozen=True)
class MassMessageCreated:
    msgid: str
    fail_list: tuple[str, ...]  # recipients WeCom could not take (not a customer, unknown group)


@dataclass(frozen=True)
class MomentTaskResult:
    status: int  # 1 running, 2 finished … (WeCom's codes); 3 done with a result
    moment_id: str | None
    invalid_senders: tuple[str, ...] = ()


@dataclass(frozen=True)
class MassMessageRecord:
    """One mass message as ``get_groupmsg_list_v2`` lists it."""

    msgid: str
    creator: str | None
    created_at: datetime | None
    create_type: int  # 0 created by the corp (API), 1 by a member
    text: str
    attachment_kinds: tuple[str, ...]


@dataclass(frozen=True)
class MomentRecord:
    """One moment as ``get_moment_list`` lists it."""

    moment_id: str
    creator: str | None
    created_at: datetime | None
    create_type: int
    text: str
    attachment_kinds: tuple[str, ...]


# ---- sends ----------------------------------------------------------------------------


def add_msg_template(client: WeComClient, body: dict[str, Any]) -> MassMessageCreated:
    """Create a mass message (``add_msg_template``) for the sender to confirm in WeCom."""
    data = client.post("externalcontact/add_msg_template", data=body)
    return MassMessageCreated(data["msgid"], tuple(data.get("fail_list") or ()))


def send_welcome_msg(client: WeComClient, body: dict[str, Any]) -> None:
    """Send the welcome message for a ``welcome_code`` (``send_welcome_msg``).

    A used or expired code answers 41051 (:class:`~scrm.wecom.errors.InvalidRequest`).
    """
    client.post("externalcontact/send_welcome_msg", data=body)


def add_moment_task(client: WeComClient, body: dict[str, Any]) -> str:
    """Create a corp moment (``add_moment_task``); returns the async ``jobid``."""
    return client.post("externalcontact/add_moment_task", data=body)["jobid"]


def send_app_message(client: WeComClient, agent_id: int, body: dict[str, Any]) -> str:
    """Send an app message to staff (``message/send``); returns WeCom's ``msgid``."""
    data = client.post("message/send", data={**body, "agentid": int(agent_id)})
    return data.get("msgid") or ""


# ---- evidence ---------------------------------------------------------------------------


def get_moment_task_result(client: WeComClient, jobid: str) -> MomentTaskResult:
    """The outcome of an ``add_moment_task`` job (``get_moment_task_result``)."""
    data = client.get("externalcontact/get_moment_task_result", params={"jobid": jobid})
    result = data.get("result") or {}
    invalid = (result.get("invalid_sender_list") or {}).get("user_list") or []
    return MomentTaskResult(int(data.get("status", 0)), result.get("moment_id"), tuple(invalid))


def _kinds(attachments: list[dict]) -> tuple[str, ...]:
    return tuple(sorted(str(a.get("msgtype")) for a in attachments or []))


def list_mass_messages(
    client: WeComClient,
    *,
    chat_type: str,
    start: datetime,
    end: datetime,
    creator: str | None = None,
    filter_type: int = 0,
) -> Iterator[MassMessageRecord]:
    """Mass messages created in ``[start, end]`` (``get_groupmsg_list_v2``), all pages.

    :param filter_type: 0 created by the corp (through the API), 1 by members, 2 both.
    """
    body: dict[str, Any] = {
        "chat_type": chat_type,
        "start_time": int(start.timestamp()),
        "end_time": int(end.timestamp()),
        "filter_type": filter_type,
        "limit": 100,
    }
    if creator:
        body["creator"] = creator
    while True:
        data = client.post("externalcontact/get_groupmsg_list_v2", data=body)
        for m in data.get("group_msg_list") or []:
            yield MassMessageRecord(
                msgid=m["msgid"],
                creator=m.get("creator") or None,
                created_at=from_timestamp(m.get("create_time")),
                create_type=int(m.get("create_type", 0)),
                text=(m.get("text") or {}).get("content", ""),
                attachment_kinds=_kinds(m.get("attachments") or []),
            )
        if not data.get("next_cursor"):
            return
        body["cursor"] = data["next_cursor"]


def _moment_kinds(m: dict) -> tuple[str, ...]:
    # get_moment_list reports attachments as sections, not as the list that was posted.
    kinds = ["image"] * len(m.get("image") or [])
    kinds += [k for k in ("video", "link") if m.get(k)]
    return tuple(sorted(kinds))


def list_moments(
    client: WeComClient,
    *,
    start: datetime,
    end: datetime,
    creator: str | None = None,
    filter_type: int = 0,
) -> Iterator[MomentRecord]:
    """Moments created in ``[start, end]`` (``get_moment_list``), all pages."""
    body: dict[str, Any] = {
        "start_time": int(start.timestamp()),
        "end_time": int(end.timestamp()),
        "filter_type": filter_type,
        "limit": 20,
    }
    if creator:
        body["creator"] = creator
    while True:
        data = client.post("externalcontact/get_moment_list", data=body)
        for m in data.get("moment_list") or []:
            yield MomentRecord(
                moment_id=m["moment_id"],
                creator=m.get("creator") or None,
                created_at=from_timestamp(m.get("create_time")),
                create_type=int(m.get("create_type", 0)),
                text=(m.get("text") or {}).get("content", ""),
                attachment_kinds=_moment_kinds(m),
            )
        if not data.get("next_cursor"):
            return
        body["cursor"] = data["next_cursor"]
