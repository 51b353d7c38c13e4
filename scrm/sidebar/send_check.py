"""The checked send (发送前合规检查): one tap in the sidebar goes through the compliance gate
before the page may call the JS-SDK's sendChatMessage.

The gate (:func:`scrm.compliance.gateway.submit`, delivery kind ``sidebar``) archives every
attempt — pass, warn, block — with who tried; it queues nothing, because the RM's own WeCom
client sends. ``pass`` → the page sends; ``warn`` → the RM must confirm with a reason and the
page submits again with it; ``block`` → the exact words and why, nothing sent.

The page gives each tap an attempt key (a uuid). The attempt row is claimed before the gate
runs (unique per staff, key and stage), so a double tap, or two tabs, archive once: the
second waits for the first's transaction and gets the same answer.

A check without sending (:func:`check_only`) runs the scanner only and archives nothing: the
text was not sent to anyone, and archiving drafts as outbound messages would put words no
customer saw into the compliance record. When the RM then sends it, that send is archived.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from scrm.compliance.decisions import judge
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.compliance.lexicon.active import current_lexicon
from scrm.db import db, insert_unless_present
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.sidebar.models import SendAttempt, SidebarMaterial
from scrm.sidebar.scope import chat_group, own_customer
from scrm.sidebar.scripts import find_material, link_problems

ORIGIN = "sidebar"
_ATTEMPT_KEY = re.compile(r"^[A-Za-z0-9-]{8,64}$")
FIRST, CONFIRMED = "first", "confirmed"


def checked_send(staff: Staff, body: dict[str, Any]) -> dict[str, Any]:
    """Run one sidebar send through the gate; flushes (the caller commits).

    :param body: ``text``, ``external_userid`` or ``chat_id``, ``attempt_key``, optional
        ``material_key`` and ``confirm_reason`` (after a warning).
    :return: the verdict for the page: ``decision``, ``released``, ``needs_confirmation``,
        ``hits`` and, when released, ``message`` — what to hand to sendChatMessage.
    :raise ScrmError: 400 for bad input, 404 for a chat that is not the caller's.
    """
    key = body.get("attempt_key")
    if not isinstance(key, str) or not _ATTEMPT_KEY.match(key):
        raise ScrmError('give "attempt_key": 8 to 64 letters, digits or dashes (a uuid per tap)')
    reason = body.get("confirm_reason")
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        raise ScrmError('"confirm_reason" is blank; say why this warning is fine to send')
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise ScrmError('"text" must be text')
    channel, recipients, chat_ids = _target(staff, body)
    material = _material(body.get("material_key"))
    stage = CONFIRMED if reason else FIRST
    if stage == CONFIRMED:
        first = _attempt(staff, key, FIRST)
        if first is not None and first.result.get("released"):
            return dict(first.result) | {"repeated": True}  # it went already: no second send
    claimed = db.session.execute(
        insert_unless_present(
            SendAttempt.__table__,
            ("staff_id", "attempt_key", "stage"),
            dialect=db.session.get_bind().dialect.name,
            returning=("id",),
        ),
        {"staff_id": staff.id, "attempt_key": key, "stage": stage, "result": {}},
    ).first()
    if claimed is None:
        return _repeated(staff, key, stage)
    result = submit(
        OutboundMessage(
            channel=channel,
            origin=ORIGIN,
            sender_userid=staff.userid,
            text=text or None,
            delivery_kind=CLIENT_SEND,
            recipients=recipients,
            chat_ids=chat_ids,
            msgtype="text" if material is None else material.kind,
            attachments=[gate_attachment(material)] if material else [],
            confirm_reason=reason.strip() if reason else None,
            idempotency_key=f"sidebar:{staff.userid}:{key}",
        )
    )
    answer = {
        "decision": result.decision,
        "released": result.released,
        "needs_confirmation": result.needs_confirmation,
        "archived_message_id": result.archived_message_id,
        "hits": [explain(hit) for hit in result.hits],
        "message": _client_messages(text, material) if result.released else [],
    }
    attempt = db.session.get(SendAttempt, claimed.id)
    attempt.archived_message_id, attempt.result = result.archived_message_id, answer
    db.session.flush()
    return answer | {"repeated": False}


def check_only(text: object, channel: object) -> dict[str, Any]:
    """The scanner's verdict on a draft, archived nowhere (see the module docstring).

    :raise ScrmError: no text, an unknown channel, or text the scanner refuses.
    """
    if not isinstance(text, str) or not text.strip():
        raise ScrmError('give "text": the message you want to check')
    if channel not in ("single", "group"):
        raise ScrmError('"channel" must be "single" (1v1 chat) or "group" (customer group)')
    verdict = judge(text, (), channel, current_lexicon())
    return {"decision": verdict.decision, "hits": [explain(hit) for hit in verdict.hits]}


def explain(hit: dict[str, Any]) -> dict[str, Any]:
    """What the RM is shown of one hit: the words, the category, the legal basis, the action."""
    return {
        "matched": hit.get("matched"),
        "term": hit.get("term"),
        "category": hit.get("category"),
        "action": hit.get("action"),
        "basis": hit.get("basis"),
        "note": hit.get("note"),
        "field": hit.get("field"),
    }


def gate_attachment(material: SidebarMaterial) -> dict[str, Any]:
    """The material as the archive records an attachment (WeCom's message shape)."""
    c = material.content
    if material.kind == "link":
        section = {"title": c.get("title"), "desc": c.get("desc"), "url": c.get("link")}
    elif material.kind == "miniprogram":
        section = {"title": c.get("title"), "appid": c.get("appid"), "page": c.get("page")}
    else:
        section = {"media_id": c.get("mediaid"), "title": material.title}
    return {"msgtype": material.kind, material.kind: section}


def _client_messages(text: str | None, material: SidebarMaterial | None) -> list[dict]:
    # sendChatMessage takes one message per call: the text, then the material.
    messages = [{"msgtype": "text", "text": {"content": text}}] if text else []
    if material is not None:
        kind = "news" if material.kind == "link" else material.kind
        messages.append({"msgtype": kind, kind: dict(material.content)})
    return messages


def _target(staff: Staff, body: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    external_userid, chat_id = body.get("external_userid"), body.get("chat_id")
    if bool(external_userid) == bool(chat_id):
        raise ScrmError('give either "external_userid" (1v1 chat) or "chat_id" (group), not both')
    if external_userid:
        customer, _ = own_customer(staff, external_userid)
        return "single", [customer.external_userid], []
    return "group", [], [chat_group(staff, chat_id).chat_id]


def _material(key: object) -> SidebarMaterial | None:
    if key in (None, ""):
        return None
    material = find_material(key) if isinstance(key, str) else None
    if material is None:
        raise ScrmError(f"no material {key!r}; pick one from GET /api/sidebar/scripts")
    if material.kind == "file" and not material.content.get("mediaid"):
        raise ScrmError(f"material {key!r} is a document to open, not to send; share its link")
    if link_problems(material.content):
        # A row saved before links were checked: never hand it to sendChatMessage.
        raise ScrmError(
            f"素材「{material.title}」的链接无效，未发送；请联系总行运营在话术库里修正。 "
            f"(material {key!r} has a link that is not an http(s) address; HQ ops must fix it)"
        )
    return material


def _attempt(staff: Staff, key: str, stage: str) -> SendAttempt | None:
    return db.session.scalar(
        select(SendAttempt).where(
            SendAttempt.staff_id == staff.id,
            SendAttempt.attempt_key == key,
            SendAttempt.stage == stage,
        )
    )


def _repeated(staff: Staff, key: str, stage: str) -> dict[str, Any]:
    attempt = _attempt(staff, key, stage)
    if attempt is None or attempt.archived_message_id is None:
        raise ScrmError("this send is still being checked; wait a moment", status_code=409)
    return dict(attempt.result) | {"repeated": True}
