"""The one outbound gate (合规网关): every message the bank sends to a customer passes here.

``submit`` validates → scans → archives → queues the delivery, in the caller's transaction:
the archive row and the outbox row are written together or not at all, and the archive row is
written first, so a failed archive write means nothing is queued. Blocked attempts and
unconfirmed warnings are archived too, with who tried. Flushes only; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scrm.archive.chain.models import AWAITING_CONFIRMATION, BLOCKED, OUTBOUND, RELEASED
from scrm.archive.chain.services import append_message
from scrm.compliance.decisions import judge
from scrm.compliance.lexicon.active import current_lexicon
from scrm.compliance.review.cases import open_review_case
from scrm.compliance.vocabulary import BLOCK, CHANNELS, WARN, InvalidMessage, Lexicon
from scrm.outbox.kinds import InvalidDelivery, text_of, validate_payload
from scrm.outbox.services import enqueue_delivery

#: The RM's own WeCom client sends it (sidebar ``sendChatMessage``): approve, queue nothing.
CLIENT_SEND = "sidebar"
MAX_KEY_CHARS = 128


@dataclass(frozen=True)
class OutboundMessage:
    """What someone asks the bank to send.

    ``delivery_kind``/``delivery_payload`` are the outbox's (``welcome_msg``, ``mass_message``,
    ``moment``, ``app_message``: the WeCom request body), or ``sidebar`` for a send the RM's
    client makes itself. The payload's text and attachments must be the ones given here: what
    is scanned is what is sent.
    """

    channel: str  # single | group | moments
    origin: str  # sidebar | sop | mass_message | moments | welcome | …
    sender_userid: str  # the RM in whose name it goes
    text: str | None
    delivery_kind: str
    delivery_payload: Mapping[str, Any] = field(default_factory=dict)
    recipients: Sequence[str] = ()  # external_userids
    chat_ids: Sequence[str] = ()
    msgtype: str = "text"
    attachments: Sequence[Mapping[str, Any]] = ()
    confirm_reason: str | None = None  # the sender's reason for sending despite a warning
    idempotency_key: str | None = None  # required when the outbox delivers it
    attempted_by: str | None = None  # who pressed send, when not the sender


@dataclass(frozen=True)
class GateResult:
    """What the gate decided. ``hits`` explain it: the exact words, where, category, basis."""

    decision: str  # block | warn | pass
    hits: tuple[dict[str, Any], ...]
    archived_message_id: int
    delivery_id: int | None
    needs_confirmation: bool
    lexicon_version: str | None

    @property
    def released(self) -> bool:
        """True when the message may go: queued in the outbox, or approved for the client."""
        return self.decision != BLOCK and not self.needs_confirmation


def submit(message: OutboundMessage, *, lexicon: Lexicon | None = None) -> GateResult:
    """Scan, decide, archive and (when allowed) queue one outbound message.

    :param message: what to send; see :class:`OutboundMessage`.
    :param lexicon: the lexicon to scan with (default: the active one).
    :raise InvalidMessage: bad input (unknown channel, nothing to send, text over WeCom's
        limit, a payload that does not match the text…); nothing is archived or queued.
    """
    _validate(message)
    if lexicon is None:
        lexicon = current_lexicon()
    verdict = judge(message.text, message.attachments, message.channel, lexicon)
    if verdict.decision == BLOCK:
        outcome = BLOCKED
    elif verdict.decision == WARN and message.confirm_reason is None:
        outcome = AWAITING_CONFIRMATION
    else:
        outcome = RELEASED
    archived = append_message(
        direction=OUTBOUND,
        channel=message.channel,
        origin=message.origin,
        sender=message.sender_userid,
        msgtype=message.msgtype,
        text=message.text,
        decision=verdict.decision,
        outcome=outcome,
        recipients=message.recipients,
        chat_ids=message.chat_ids,
        attachments=message.attachments,
        hits=verdict.hits,
        lexicon_version=verdict.lexicon_version,
        confirmed_reason=message.confirm_reason if verdict.decision == WARN else None,
        attempted_by=message.attempted_by or message.sender_userid,
        # Only a released message claims its key: after a block or an unconfirmed warning the
        # sender may fix the text or confirm, and submit again under the same key.
        idempotency_key=message.idempotency_key if outcome == RELEASED else None,
    )
    open_review_case(archived)  # blocked attempts, warnings and flags all get a look
    delivery_id = None
    if archived.outcome == RELEASED and message.delivery_kind != CLIENT_SEND:
        delivery = enqueue_delivery(
            message.delivery_kind,
            dict(message.delivery_payload),
            idempotency_key=message.idempotency_key,
            archived_message_id=archived.id,
        )
        delivery_id = delivery.id
    return GateResult(
        decision=archived.decision,
        hits=tuple(archived.hits),
        archived_message_id=archived.id,
        delivery_id=delivery_id,
        needs_confirmation=archived.outcome == AWAITING_CONFIRMATION,
        lexicon_version=archived.lexicon_version,
    )


def _validate(message: OutboundMessage) -> None:
    if message.channel not in CHANNELS:
        raise InvalidMessage(f"channel {message.channel!r} is not one of {', '.join(CHANNELS)}")
    for name in ("origin", "sender_userid", "msgtype"):
        if not isinstance(getattr(message, name), str) or not getattr(message, name).strip():
            raise InvalidMessage(
                f"{name} is empty; say where the message comes from and who sends it"
            )
    if message.text is not None and not isinstance(message.text, str):
        raise InvalidMessage(
            f"text is {type(message.text).__name__}, not text; decode it as UTF-8 first"
        )
    if not message.text and not message.attachments:
        raise InvalidMessage("nothing to send: write a text or add an attachment")
    reason = message.confirm_reason
    if reason is not None and (not isinstance(reason, str) or not reason.strip()):
        raise InvalidMessage("confirm_reason is blank; the sender must say why the warning is ok")
    if message.delivery_kind != CLIENT_SEND:
        _validate_delivery(message)


def _validate_delivery(message: OutboundMessage) -> None:
    key = message.idempotency_key
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_CHARS:
        raise InvalidMessage(
            f"idempotency_key must be 1 to {MAX_KEY_CHARS} characters when the outbox delivers "
            "the message (e.g. 'sop:<assignment>:<step>:<date>')"
        )
    payload = dict(message.delivery_payload)
    try:
        validate_payload(message.delivery_kind, payload)
    except InvalidDelivery as exc:
        raise InvalidMessage(str(exc)) from None
    if text_of(payload) != (message.text or ""):
        raise InvalidMessage(
            "the delivery payload's text differs from the message text; build the payload "
            "from the same text, so what is scanned is what is sent"
        )
    if list(payload.get("attachments") or []) != list(message.attachments):
        raise InvalidMessage(
            "the delivery payload's attachments differ from the message's; pass the same "
            "attachments to both, so what is scanned is what is sent"
        )
