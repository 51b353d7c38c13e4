"""Notices to staff (应用消息) from the self-built app, through the one gate like every message.

SOP holders told a step was blocked, channel owners told a welcome message was, RMs reminded to
publish a moment or to add their bulk-add customers: each is an app message the gate scans,
archives and queues, with an idempotency key so a re-run tells nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from scrm.compliance.gateway import GateResult, OutboundMessage, submit
from scrm.compliance.vocabulary import InvalidMessage
from scrm.outbox.kinds import APP_MESSAGE

log = logging.getLogger(__name__)

#: The sender the archive records for app messages: the self-built app, not a person.
APP_SENDER = "scrm-app"


def notify_staff(
    userid: str, text: str, *, origin: str, idempotency_key: str, attempted_by: str
) -> GateResult | None:
    """Send ``text`` to the member of staff ``userid`` as an app message through the gate.

    Flushes; the caller commits. The same key queues the notice once.

    :param origin: what the notice is about, for the archive (``sop_notice``, …).
    :param idempotency_key: one notice per key, ever.
    :param attempted_by: the scrm job or object on whose behalf it goes.
    :return: the gate's result, or ``None`` when the gate refused the text as a message
        (empty or too long: logged without the text).
    """
    payload = {"touser": userid, "msgtype": "text", "text": {"content": text}}
    try:
        return submit(
            OutboundMessage(
                channel="single",
                origin=origin,
                sender_userid=APP_SENDER,
                text=text,
                delivery_kind=APP_MESSAGE,
                delivery_payload=payload,
                idempotency_key=idempotency_key,
                attempted_by=attempted_by,
            )
        )
    except InvalidMessage as exc:
        log.warning("notice %s to %s refused: %s", idempotency_key, userid, exc)
        return None


def blocked_summary(hits: Iterable[Mapping[str, Any]]) -> str:
    """「命中N处，依据…」: how many hits stopped a message and on what legal basis — never the
    words themselves, which a notice must not carry back out."""
    explained = [h for h in hits if h.get("action") in ("block", "warn")]
    basis = sorted({b for h in explained for b in str(h.get("basis") or "").split(";") if b})
    return f"命中{len(explained)}处{'，依据' + '、'.join(basis) if basis else ''}"
