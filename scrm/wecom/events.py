"""Typed WeCom callback events.

wechatpy 1.8 parses every 客户联系 and directory event as ``UnknownMessage``, so scrm parses
the decrypted XML itself (with the standard library's ElementTree: this runs on the callback's
hot path, and the document has been signature-checked already) into the dataclasses below.
:func:`parse_event` never raises for a well-formed XML document of an unknown kind: it
returns :class:`OtherEvent`, which is stored and logged, not lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from xml.etree import ElementTree

from scrm.db import from_timestamp


class MalformedEvent(ValueError):
    """The plaintext is not a WeCom callback XML document."""


@dataclass(frozen=True)
class WeComEvent:
    """Fields every callback carries."""

    to_user: str
    from_user: str
    created_at: datetime | None
    msg_type: str
    event: str | None
    change_type: str | None
    raw: dict = field(repr=False, compare=False)


@dataclass(frozen=True)
class ContactChanged(WeComEvent):
    """``change_contact``: staff (create/update/delete_user) or departments (…_party)."""

    userid: str | None = None
    new_userid: str | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class ExternalContactChanged(WeComEvent):
    """``change_external_contact``: a follow relation between an RM and a customer changed."""

    userid: str = ""
    external_userid: str = ""
    state: str | None = None
    welcome_code: str | None = None
    source: str | None = None  # del_external_contact: DELETE_BY_TRANSFER on handover
    fail_reason: str | None = None  # transfer_fail: customer_refused / customer_limit_exceed


@dataclass(frozen=True)
class ExternalChatChanged(WeComEvent):
    """``change_external_chat``: a customer group was created, updated or dismissed."""

    chat_id: str = ""
    update_detail: str | None = None
    join_scene: int | None = None
    quit_scene: int | None = None
    member_change_count: int | None = None
    member_changes: tuple[str, ...] = ()
    last_member_version: str | None = None
    current_member_version: str | None = None


@dataclass(frozen=True)
class ExternalTagChanged(WeComEvent):
    """``change_external_tag``: a corp tag or tag group was created, updated or deleted."""

    tag_id: str = ""
    tag_type: str = "tag"  # tag | tag_group
    strategy_id: str | None = None


@dataclass(frozen=True)
class OtherEvent(WeComEvent):
    """Any other message or event: stored and logged, no handler."""


def _text(value) -> str | None:
    if value is None or isinstance(value, list):
        return None
    value = value.strip()
    return value or None


#: WeCom's numeric callback fields (department ids, scenes, counts) are 32-bit.
_INT_MAX = 2**31 - 1


def _int(root: dict, name: str) -> int | None:
    text = _text(root.get(name))
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > _INT_MAX:
        # The reason is logged: it names the field, never its value.
        raise MalformedEvent(f"{name} is not a whole number from 0 to {_INT_MAX}")
    return int(text)


def _created_at(root: dict) -> datetime | None:
    try:
        return from_timestamp(_text(root.get("CreateTime")))
    except ValueError as exc:
        raise MalformedEvent(f"CreateTime is {exc}") from None


def _fields(root: ElementTree.Element) -> dict:
    # Leaf elements become text ("" when empty); an element with children (MemChangeList)
    # becomes the list of its children's texts.
    fields: dict = {}
    for child in root:
        if len(child):
            fields[child.tag] = [(item.text or "").strip() for item in child]
        else:
            fields[child.tag] = child.text or ""
    return fields


def parse_event(plaintext: str) -> WeComEvent:
    """Parse a decrypted callback document into a typed event.

    :raise MalformedEvent: when the text is not XML with an ``<xml>`` root and a ``MsgType``,
        or a field that must be a number (``CreateTime`` in seconds, ``Id``, ``JoinScene`` …)
        is not one. Its message names the field, never the document's text, so it may be
        logged.
    """
    try:
        root_element = ElementTree.fromstring(plaintext)
    except (ElementTree.ParseError, ValueError) as exc:
        raise MalformedEvent(f"not XML: {exc}") from exc
    root = _fields(root_element)
    if root_element.tag != "xml" or not _text(root.get("MsgType")):
        raise MalformedEvent("no <xml> root with a MsgType")
    common = dict(
        to_user=_text(root.get("ToUserName")) or "",
        from_user=_text(root.get("FromUserName")) or "",
        created_at=_created_at(root),
        msg_type=_text(root.get("MsgType")) or "",
        event=_text(root.get("Event")),
        change_type=_text(root.get("ChangeType")),
        raw=root,
    )
    event = common["event"]
    if event == "change_contact":
        return ContactChanged(
            **common,
            userid=_text(root.get("UserID")),
            new_userid=_text(root.get("NewUserID")),
            department_id=_int(root, "Id"),
        )
    if event == "change_external_contact":
        return ExternalContactChanged(
            **common,
            userid=_text(root.get("UserID")) or "",
            external_userid=_text(root.get("ExternalUserID")) or "",
            state=_text(root.get("State")),
            welcome_code=_text(root.get("WelcomeCode")),
            source=_text(root.get("Source")),
            fail_reason=_text(root.get("FailReason")),
        )
    if event == "change_external_chat":
        return ExternalChatChanged(
            **common,
            chat_id=_text(root.get("ChatId")) or "",
            update_detail=_text(root.get("UpdateDetail")),
            join_scene=_int(root, "JoinScene"),
            quit_scene=_int(root, "QuitScene"),
            member_change_count=_int(root, "MemChangeCnt"),
            member_changes=tuple(i for i in root.get("MemChangeList") or () if i),
            last_member_version=_text(root.get("LastMemVer")),
            current_member_version=_text(root.get("CurMemVer")),
        )
    if event == "change_external_tag":
        return ExternalTagChanged(
            **common,
            tag_id=_text(root.get("Id")) or "",
            tag_type=_text(root.get("TagType")) or "tag",
            strategy_id=_text(root.get("StrategyId")),
        )
    return OtherEvent(**common)
