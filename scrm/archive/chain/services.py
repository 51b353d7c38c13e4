"""Appending to the archive: the only writer of ``archived_message``. There is no update or
delete function, on purpose: corrections are new rows, and review state lives elsewhere.

Appends are serialised so two writers never chain to the same previous row: PostgreSQL takes
a transaction-level advisory lock; SQLite's first write (the head upsert) takes the database
write lock. Either way the lock is held until the caller commits, and the explicit
``id = previous id + 1`` primary key refuses a fork even if a lock were ever bypassed.
Callers therefore commit promptly after appending: no WeCom call inside that transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite

from scrm.archive.chain.hashing import GENESIS_HASH, content_hash, json_value
from scrm.archive.chain.models import (
    DIRECTIONS,
    INBOUND,
    INGESTED,
    OUTCOMES,
    ArchivedMessage,
    ArchiveHead,
)
from scrm.compliance.vocabulary import CHANNELS, DECISIONS, InvalidMessage
from scrm.db import db, utcnow

#: Key of the PostgreSQL advisory lock that serialises appends ("scrm" "ar" in ASCII).
ARCHIVE_LOCK_KEY = 0x7363726D6172
HEAD_ROW_ID = 1


def _lock_chain(now: datetime) -> None:
    # Both databases: the head row is written first. On SQLite that write takes the database
    # write lock before anything is read; on PostgreSQL the advisory lock comes first and the
    # upsert then only keeps the head row present (it is rewritten after the insert).
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ARCHIVE_LOCK_KEY})
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two supported databases
        raise RuntimeError(f"the archive supports SQLite and PostgreSQL, not {dialect}")
    statement = insert(ArchiveHead).values(
        id=HEAD_ROW_ID, last_id=0, last_hash=GENESIS_HASH, updated_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ArchiveHead.id], set_={"updated_at": statement.excluded.updated_at}
    )
    session.execute(statement)


def _last_link() -> tuple[int, str]:
    row = db.session.execute(
        select(ArchivedMessage.id, ArchivedMessage.content_hash)
        .order_by(ArchivedMessage.id.desc())
        .limit(1)
    ).first()
    return (row.id, row.content_hash) if row else (0, GENESIS_HASH)


def _validate(direction: str, channel: str, decision: str, outcome: str, sender: str) -> None:
    for name, value, allowed in (
        ("direction", direction, DIRECTIONS),
        ("channel", channel, CHANNELS),
        ("decision", decision, DECISIONS),
        ("outcome", outcome, OUTCOMES),
    ):
        if value not in allowed:
            raise InvalidMessage(f"{name} {value!r} is not one of {', '.join(allowed)}")
    if not sender:
        raise InvalidMessage("sender is empty; give the staff userid who sent the message")


def append_message(
    *,
    direction: str,
    channel: str,
    origin: str,
    sender: str,
    msgtype: str,
    text: str | None,
    decision: str,
    outcome: str | None = None,
    recipients: Sequence[str] = (),
    chat_ids: Sequence[str] = (),
    attachments: Iterable[Mapping[str, Any]] = (),
    hits: Iterable[Mapping[str, Any]] = (),
    lexicon_version: str | None = None,
    confirmed_reason: str | None = None,
    attempted_by: str | None = None,
    idempotency_key: str | None = None,
    wecom_msgid: str | None = None,
    seq: int | None = None,
    sent_at: datetime | None = None,
) -> ArchivedMessage:
    """Append one message to the archive chain and flush; the caller commits.

    Idempotent: a ``wecom_msgid`` or ``idempotency_key`` already archived returns that row
    (checked under the chain lock, so two concurrent appends of one message store it once).

    :param direction: ``outbound`` (through the gate) or ``inbound`` (ingested from WeCom).
    :param channel: ``single``, ``group`` or ``moments``.
    :param origin: where it came from: sidebar, sop, mass_message, moments, welcome,
        conversation_archive, …
    :param sender: the staff userid in whose name the message goes (or went).
    :param decision: the scanner's decision, ``block``/``warn``/``pass``.
    :param outcome: what became of it, one of :data:`scrm.archive.chain.models.OUTCOMES`
        (``ingested`` by default for inbound messages).
    :param hits: the scan hits as JSON-ready dicts (``Hit.as_dict()`` plus any reasons).
    :param attempted_by: who pressed send, when not the sender (HQ operator, the SOP clock).
    :param idempotency_key: the delivery key of a released message (unique in the archive).
    :param wecom_msgid: WeCom's msgid of an ingested message (unique in the archive).
    :param sent_at: WeCom's send time of an ingested message.
    :raise InvalidMessage: an unknown direction, channel, decision or outcome, no sender, or
        a key already used for a message with other content.
    """
    if direction == INBOUND:
        outcome = INGESTED if outcome is None else outcome
    _validate(direction, channel, decision, outcome, sender)
    now = utcnow()
    _lock_chain(now)
    existing = _already_archived(wecom_msgid, idempotency_key)
    if existing is not None:
        _check_same_content(existing, text, recipients, chat_ids, attachments)
        return existing
    last_id, last_hash = _last_link()
    values: dict[str, Any] = {
        "id": last_id + 1,
        "direction": direction,
        "channel": channel,
        "origin": origin,
        "sender": sender,
        "recipients": json_value(list(recipients)),
        "chat_ids": json_value(list(chat_ids)),
        "msgtype": msgtype,
        "text": text,
        "attachments": json_value(list(attachments)),
        "decision": decision,
        "outcome": outcome,
        "hits": json_value(list(hits)),
        "lexicon_version": lexicon_version,
        "confirmed_reason": confirmed_reason,
        "attempted_by": attempted_by,
        "idempotency_key": idempotency_key,
        "wecom_msgid": wecom_msgid,
        "seq": seq,
        "sent_at": sent_at,
        "created_at": now,
        "prev_hash": last_hash,
    }
    values["content_hash"] = content_hash(values)
    message = ArchivedMessage(**values)
    db.session.add(message)
    db.session.flush()
    head = db.session.get(ArchiveHead, HEAD_ROW_ID, populate_existing=True)
    head.last_id = message.id
    head.last_hash = message.content_hash
    head.updated_at = now
    db.session.flush()
    return message


def _already_archived(wecom_msgid: str | None, idempotency_key: str | None):
    for column, value in (
        (ArchivedMessage.wecom_msgid, wecom_msgid),
        (ArchivedMessage.idempotency_key, idempotency_key),
    ):
        if value is not None:
            row = db.session.scalars(select(ArchivedMessage).where(column == value)).first()
            if row is not None:
                return row
    return None


def _check_same_content(existing: ArchivedMessage, text, recipients, chat_ids, attachments):
    # The same key with other content is a caller bug that would silently drop a message.
    same = (
        existing.text == text
        and existing.recipients == json_value(list(recipients))
        and existing.chat_ids == json_value(list(chat_ids))
        and existing.attachments == json_value(list(attachments))
    )
    if not same:
        key = existing.idempotency_key or existing.wecom_msgid
        raise InvalidMessage(
            f"key {key!r} was already used for archived message {existing.id} with other "
            "content; give this message its own idempotency key"
        )


def find_released(idempotency_key: str) -> ArchivedMessage | None:
    """The archived message already released under ``idempotency_key``, if any."""
    return db.session.scalars(
        select(ArchivedMessage).where(ArchivedMessage.idempotency_key == idempotency_key)
    ).first()
