"""Conversation-archive ingest (会话内容存档): what RMs and customers type in the WeCom client,
read back after the fact, scanned, archived, and turned into review cases.

One pull reads every message after the remembered seq, a batch at a time: fetch and decrypt
the whole batch first (a missing key archives nothing), then move the cursor with a guarded
UPDATE (``WHERE last_seq = <what we read>``, so two pullers never ingest the same batch),
then archive each message. Cursor, gaps, archive rows and cases share one transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND, ArchivedMessage
from scrm.archive.chain.services import append_message
from scrm.archive.ingest.models import ArchiveCursor, ArchiveGap
from scrm.archive.ingest.source import (
    ArchiveDataExpired,
    ArchiveSource,
    ChatDataItem,
    archive_source,
)
from scrm.compliance.decisions import judge
from scrm.compliance.lexicon.active import current_lexicon
from scrm.compliance.review.cases import open_review_case
from scrm.compliance.vocabulary import PASS, InvalidMessage, Lexicon
from scrm.db import db, insert_unless_present, utcnow
from scrm.sop.checkins.services import record_checkin_message

log = logging.getLogger(__name__)

#: ``origin`` of every archived message read from WeCom's conversation archive.
ORIGIN = "conversation_archive"


def is_customer(userid: str) -> bool:
    """WeCom's external ids start ``wm`` (WeChat customers) or ``wo`` (other corps' staff)."""
    return userid.startswith(("wm", "wo"))


def pull_conversation_archive(source: ArchiveSource, *, limit: int = 1000) -> dict[str, int]:
    """Ingest every message the source holds after our cursor (flushes; the caller commits).

    :param source: where messages come from (see :func:`scrm.archive.ingest.source.archive_source`).
    :param limit: messages per GetChatData call (≤1000).
    :return: counts: ``fetched``, ``archived``, ``already`` (archived before), ``skipped``
        (not messages, e.g. device switches), ``unscanned``, ``cases``, ``gaps``, ``last_seq``.
    :raise MissingPrivateKey: a message's key version is not configured; nothing of that
        batch is archived and the cursor stays.
    :raise ArchiveDataExpired: WeCom no longer holds what we asked for (alert logged).
    """
    name = source.cursor_name
    lexicon = current_lexicon()
    counts: Counter[str] = Counter()
    while True:
        seen = _cursor_seq(name)
        try:
            items = sorted(source.get_chat_data(seen, limit), key=lambda i: i.seq)
        except ArchiveDataExpired:
            log.error(
                "ALERT conversation archive %s: data after seq %d expired at WeCom", name, seen
            )
            raise
        items = [i for i in items if i.seq > seen]
        if not items:
            break
        decrypted = [(item, source.decrypt(item)) for item in items]
        # The first write comes only now: on SQLite it takes the database lock, which no
        # network call above should hold (a token fetch would wait on it).
        _ensure_cursor(name)
        if not _advance_cursor(name, seen, items[-1].seq):
            log.info("archive cursor %s moved by another puller; stopping here", name)
            break
        previous = seen
        for item, message in decrypted:
            if item.seq > previous + 1:
                _record_gap(name, previous + 1, item.seq - 1)
                counts["gaps"] += 1
            previous = item.seq
            counts.update(_ingest(item, message, lexicon))
        counts["fetched"] += len(items)
        db.session.flush()
        if len(items) < limit:
            break
    counts["last_seq"] = _cursor_seq(name)
    return dict(counts)


def pull_configured_archive() -> dict[str, int] | None:
    """Pull from the source ``ARCHIVE_SOURCE`` names (flushes); ``None`` when ingest is off."""
    source = archive_source(current_app._get_current_object())
    if source is None:
        return None
    return pull_conversation_archive(source, limit=int(current_app.config["ARCHIVE_PULL_LIMIT"]))


# ---- one message -------------------------------------------------------------------------


def _ingest(item: ChatDataItem, message: dict[str, Any], lexicon: Lexicon) -> list[str]:
    sender = message.get("from")
    msgtype = message.get("msgtype")
    if not sender or not msgtype:
        return ["skipped"]  # action "switch" (device change log) and the like: not a message
    msgid = message.get("msgid") or item.msgid
    if db.session.scalar(select(ArchivedMessage.id).where(ArchivedMessage.wecom_msgid == msgid)):
        return ["already"]
    roomid = message.get("roomid") or ""
    channel = "group" if roomid else "single"
    text, verdict = None, None
    outcome = ["archived"]
    if msgtype == "text":
        text = str((message.get("text") or {}).get("content") or "")
        try:
            # The gate's judge, so ingested and outbound hits carry the same explanation.
            verdict = judge(text, (), channel, lexicon)
        except InvalidMessage as exc:
            # Kept whole even when the scanner refuses it (empty, over 4,000 bytes …).
            log.warning("archived msg seq %d unscanned: %s", item.seq, type(exc).__name__)
            outcome.append("unscanned")
    archived = append_message(
        direction=INBOUND if is_customer(sender) else OUTBOUND,
        channel=channel,
        origin=ORIGIN,
        sender=sender,
        msgtype=msgtype,
        text=text,
        decision=verdict.decision if verdict else PASS,
        outcome=INGESTED,
        recipients=[str(t) for t in message.get("tolist") or []],
        chat_ids=[roomid] if roomid else [],
        attachments=[] if msgtype == "text" else [{msgtype: message.get(msgtype)}],
        hits=verdict.hits if verdict else (),
        lexicon_version=verdict.lexicon_version if verdict else None,
        wecom_msgid=msgid,
        seq=item.seq,
        sent_at=_msgtime(message.get("msgtime")),
    )
    record_checkin_message(archived)  # 群打卡: a customer posting the keyword in a window
    # Cases are about the bank's conduct: a customer asking "保本吗？" is archived with its
    # hits, but opens no case.
    if archived.direction == OUTBOUND and open_review_case(archived) is not None:
        outcome.append("cases")
    return outcome


def _msgtime(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


# ---- cursor and gaps ---------------------------------------------------------------------


def _ensure_cursor(name: str) -> None:
    if db.session.get(ArchiveCursor, name) is not None:
        return
    statement = insert_unless_present(
        ArchiveCursor.__table__, ["name"], dialect=db.session.get_bind().dialect.name
    )
    db.session.execute(statement, {"name": name, "last_seq": 0, "updated_at": utcnow()})


def _cursor_seq(name: str) -> int:
    return int(
        db.session.scalar(select(ArchiveCursor.last_seq).where(ArchiveCursor.name == name)) or 0
    )


def _advance_cursor(name: str, seen: int, last_seq: int) -> bool:
    moved = db.session.execute(
        update(ArchiveCursor)
        .where(ArchiveCursor.name == name, ArchiveCursor.last_seq == seen)
        .values(last_seq=last_seq, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1


def _record_gap(name: str, from_seq: int, to_seq: int) -> None:
    db.session.add(
        ArchiveGap(cursor_name=name, from_seq=from_seq, to_seq=to_seq, detected_at=utcnow())
    )
    log.error(
        "ALERT conversation archive %s: seqs %d-%d never arrived (expired at WeCom before we "
        "pulled, or lost); those messages are missing from the archive",
        name,
        from_seq,
        to_seq,
    )
