"""What each kind of delivery carries, checked at enqueue against WeCom's documented limits.

A payload is the body of the WeCom send call (``add_msg_template``, ``send_welcome_msg``,
``add_moment_task``, ``message/send`` without ``agentid``), so what was validated is what is
sent. Checking here means a message WeCom would refuse is refused before it is queued, with
the fix named, instead of being dead-lettered hours later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scrm.link_safety import web_link_problem

WELCOME_MSG = "welcome_msg"  # 欢迎语, within 20 s of the customer adding the RM
MASS_MESSAGE = "mass_message"  # 客户群发 (1v1 or to customer groups), the RM confirms it
MOMENT = "moment"  # 客户朋友圈 corp post, the RMs publish it
APP_MESSAGE = "app_message"  # a notification to staff from the self-built app
KINDS = (WELCOME_MSG, MASS_MESSAGE, MOMENT, APP_MESSAGE)

MAX_TEXT_BYTES = 4000  # welcome messages and mass messages
MAX_MOMENT_TEXT_CHARS = 2000
MAX_APP_TEXT_BYTES = 2048
MAX_ATTACHMENTS = 9
MAX_EXTERNAL_USERIDS = 10000
MAX_CHAT_IDS = 2000
ATTACHMENT_TYPES = ("image", "link", "miniprogram", "video", "file")
#: WeCom accepts a welcome message within this many seconds of the add, once (41051 after).
WELCOME_CODE_SECONDS = 20
LINK_FIELDS = ("url", "picurl")  # a link attachment's address and cover image


class InvalidDelivery(ValueError):
    """A payload WeCom would refuse; the message names the field and the fix."""


def validate_payload(kind: str, payload: Any) -> None:
    """Check a payload for ``kind``.

    :raise InvalidDelivery: naming the first problem and how to fix it.
    """
    if kind not in KINDS:
        raise InvalidDelivery(f"unknown delivery kind {kind!r}; use one of {', '.join(KINDS)}")
    if not isinstance(payload, dict):
        raise InvalidDelivery(f"{kind} payload must be a JSON object, not {type(payload).__name__}")
    _CHECKS[kind](payload)


def send_deadline(kind: str, queued_at: datetime) -> datetime | None:
    """When a send of ``kind`` queued at ``queued_at`` can no longer succeed; ``None`` when
    any time will do.

    A welcome message is queued while the add is applied, so after the add: its code is
    surely past its 20 seconds by ``queued_at`` + 20 s, never earlier.
    """
    if kind == WELCOME_MSG:
        return queued_at + timedelta(seconds=WELCOME_CODE_SECONDS)
    return None


def text_of(payload: dict) -> str:
    """The text content of a payload ('' when it has none)."""
    text = payload.get("text")
    return text.get("content", "") if isinstance(text, dict) else ""


def attachment_kinds(payload: dict) -> list[str]:
    """The sorted msgtypes of a payload's attachments, for matching evidence of a send."""
    return sorted(str(a.get("msgtype")) for a in payload.get("attachments") or [])


def _fail(kind: str, problem: str) -> None:
    raise InvalidDelivery(f"{kind} payload: {problem}")


def _content(kind: str, payload: dict, *, max_bytes: int | None, max_chars: int | None) -> None:
    text = payload.get("text")
    if text is not None:
        if not isinstance(text, dict) or not isinstance(text.get("content"), str):
            _fail(kind, 'text must be {"content": "…"}')
        content = text["content"]
        if not content.strip():
            _fail(kind, "text.content is empty; write the message or leave text out")
        size = len(content.encode("utf-8"))
        if max_bytes is not None and size > max_bytes:
            _fail(
                kind,
                f"text.content is {size} bytes (UTF-8); WeCom allows at most {max_bytes} — "
                "shorten it or split it into two messages",
            )
        if max_chars is not None and len(content) > max_chars:
            _fail(
                kind,
                f"text.content is {len(content)} characters; WeCom allows at most {max_chars} — "
                "shorten it",
            )
    attachments = payload.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, list):
            _fail(kind, "attachments must be a list")
        if len(attachments) > MAX_ATTACHMENTS:
            _fail(
                kind,
                f"{len(attachments)} attachments; WeCom allows at most {MAX_ATTACHMENTS} — "
                "remove some or send them in a second message",
            )
        for i, item in enumerate(attachments):
            msgtype = item.get("msgtype") if isinstance(item, dict) else None
            if msgtype not in ATTACHMENT_TYPES or not isinstance(item.get(msgtype), dict):
                _fail(
                    kind,
                    f"attachments[{i}] needs a msgtype ({', '.join(ATTACHMENT_TYPES)}) and the "
                    'matching section, e.g. {"msgtype": "image", "image": {"media_id": "…"}}',
                )
            if msgtype == "link":
                _web_links(kind, i, item["link"])
    if not text_of(payload) and not attachments:
        _fail(kind, "nothing to send: give text.content or at least one attachment")


def _web_links(kind: str, i: int, section: dict) -> None:
    # The card's address opens in the customer's WeCom; its cover is fetched by WeCom.
    for name in LINK_FIELDS:
        if section.get(name) not in (None, ""):
            problem = web_link_problem(section[name], f"attachments[{i}].link.{name}")
            if problem:
                _fail(kind, problem)


def _id_list(kind: str, payload: dict, field: str, limit: int, *, required: bool) -> None:
    ids = payload.get(field)
    if ids is None and not required:
        return
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        _fail(kind, f"{field} must be a list of ids")
    if required and not ids:
        _fail(kind, f"{field} is empty; choose at least one recipient")
    if len(ids) > limit:
        _fail(
            kind,
            f"{field} has {len(ids)} ids; WeCom allows at most {limit} per message — "
            "split the recipients into several deliveries",
        )


def _check_mass_message(payload: dict) -> None:
    chat_type = payload.get("chat_type", "single")
    if chat_type not in ("single", "group"):
        _fail(MASS_MESSAGE, f"chat_type {chat_type!r}: use single (1v1) or group")
    if not isinstance(payload.get("sender"), str) or not payload["sender"]:
        # Also what the evidence search after a crash filters on (creator = sender).
        _fail(MASS_MESSAGE, "sender (the RM's userid) is required")
    if chat_type == "single":
        _id_list(MASS_MESSAGE, payload, "external_userid", MAX_EXTERNAL_USERIDS, required=True)
    else:
        _id_list(MASS_MESSAGE, payload, "chat_id_list", MAX_CHAT_IDS, required=False)
    _content(MASS_MESSAGE, payload, max_bytes=MAX_TEXT_BYTES, max_chars=None)


def _check_welcome_msg(payload: dict) -> None:
    if not isinstance(payload.get("welcome_code"), str) or not payload["welcome_code"]:
        _fail(WELCOME_MSG, "welcome_code (from the add_external_contact event) is required")
    _content(WELCOME_MSG, payload, max_bytes=MAX_TEXT_BYTES, max_chars=None)


def _check_moment(payload: dict) -> None:
    if "visible_range" in payload and not isinstance(payload["visible_range"], dict):
        _fail(MOMENT, 'visible_range must be {"sender_list": {"user_list": […]}}')
    _content(MOMENT, payload, max_bytes=None, max_chars=MAX_MOMENT_TEXT_CHARS)


def _check_app_message(payload: dict) -> None:
    if "agentid" in payload:
        _fail(APP_MESSAGE, "leave agentid out; the worker adds WECOM_AGENT_ID")
    if not any(isinstance(payload.get(k), str) and payload[k] for k in ("touser", "toparty")):
        _fail(APP_MESSAGE, 'touser ("userid1|userid2") or toparty is required')
    msgtype = payload.get("msgtype")
    if not isinstance(msgtype, str) or not isinstance(payload.get(msgtype), dict):
        _fail(
            APP_MESSAGE,
            'msgtype and its section are required, e.g. "msgtype": "text", '
            '"text": {"content": "…"}',
        )
    if msgtype == "text":
        content = payload["text"].get("content")
        if not isinstance(content, str) or not content.strip():
            _fail(APP_MESSAGE, "text.content is empty")
        size = len(content.encode("utf-8"))
        if size > MAX_APP_TEXT_BYTES:
            _fail(
                APP_MESSAGE,
                f"text.content is {size} bytes; app messages allow {MAX_APP_TEXT_BYTES} — "
                "shorten it",
            )


_CHECKS = {
    MASS_MESSAGE: _check_mass_message,
    WELCOME_MSG: _check_welcome_msg,
    MOMENT: _check_moment,
    APP_MESSAGE: _check_app_message,
}
