"""Evidence exports of the archive (证据导出): the messages of a search or of one conversation,
with their hits and review decisions, and the archive's chain verification, as CSV or XLSX.

An export is all or nothing: the row limit is checked before anything is written, and the
file is built completely in memory before it is sent, so a reader never gets half a file.
Recording the export in the access audit is the caller's (:mod:`scrm.archive.export.api`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.archive.chain.verify import VerifyReport, verify_archive
from scrm.archive.search.conversation import conversation_around
from scrm.archive.search.find import matching_ids, messages_by_id
from scrm.archive.search.query import SearchQuery
from scrm.compliance.review.models import ReviewCase
from scrm.csv_safety import safe_cell
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
DEFAULT_MAX_ROWS = 100_000
BATCH = 1000

#: The message table's columns: (Chinese title, key).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("存档编号", "id"),
    ("存档时间", "created_at"),
    ("发送时间", "sent_at"),
    ("方向", "direction"),
    ("渠道", "channel"),
    ("来源", "origin"),
    ("发送人", "sender"),
    ("接收客户", "recipients"),
    ("客户群", "chat_ids"),
    ("消息类型", "msgtype"),
    ("内容", "text"),
    ("附件数", "attachments"),
    ("判定", "decision"),
    ("结果", "outcome"),
    ("命中类别", "categories"),
    ("命中词", "terms"),
    ("词库版本", "lexicon_version"),
    ("复核单", "case_id"),
    ("复核状态", "case_status"),
    ("复核结论", "verdict"),
    ("结论说明", "verdict_note"),
    ("复核人", "assignee"),
    ("内容哈希", "content_hash"),
)


@dataclass
class Export:
    """What is exported: the message ids (oldest first) and what the reader asked for."""

    kind: str
    message_ids: list[int]
    asked: dict = field(default_factory=dict)


def search_export(query: SearchQuery, max_rows: int = DEFAULT_MAX_ROWS) -> Export:
    """Every message matching ``query`` (all pages), refused when more than ``max_rows``.

    :param query: a checked search query; its page size and cursor are ignored.
    :param max_rows: the most rows one export may hold (``ARCHIVE_EXPORT_MAX_ROWS``).
    :raise ScrmError: 400 naming the count and the fix when the search matches too many.
    """
    ids = list(db.session.scalars(matching_ids(query).limit(max_rows + 1)))
    if len(ids) > max_rows:
        raise ScrmError(
            f"this search matches more than {max_rows:,} messages, the most one export may "
            "hold; narrow the range (a shorter time range, an RM, a branch or a keyword) and "
            "export each part"
        )
    asked = {"query": query.keyword.text if query.keyword else None, "filters": query.filters}
    return Export("search", sorted(ids), asked)


def conversation_export(message_id: int, *, before: int = 10, after: int = 10) -> Export:
    """The conversation around one message, as :func:`conversation_around` shows it.

    :raise ScrmError: 404 for an unknown message, 409 before it is indexed.
    """
    around = conversation_around(message_id, before=before, after=after)
    ids = [m["id"] for m in around["messages"]]
    asked = {"message_id": message_id, "before": before, "after": after}
    return Export("conversation", ids, asked)


def message_rows(ids: Sequence[int]) -> Iterator[dict]:
    """One row per message of ``ids`` (in that order), with hits and review decision."""
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        cases = {
            c.archived_message_id: c
            for c in db.session.scalars(
                select(ReviewCase).where(ReviewCase.archived_message_id.in_(chunk))
            )
        }
        messages = messages_by_id(chunk)
        for message in messages:
            yield _row(message, cases.get(message.id))
        for loaded in (*messages, *cases.values()):
            db.session.expunge(loaded)  # constant memory however large the export


def _row(message: ArchivedMessage, case: ReviewCase | None) -> dict:
    hits = message.hits or []
    assignee = db.session.get(Staff, case.assignee_id) if case and case.assignee_id else None
    return {
        "id": message.id,
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
        "direction": message.direction,
        "channel": message.channel,
        "origin": message.origin,
        "sender": message.sender,
        "recipients": " ".join(message.recipients or ()),
        "chat_ids": " ".join(message.chat_ids or ()),
        "msgtype": message.msgtype,
        "text": message.text,
        "attachments": len(message.attachments or ()),
        "decision": message.decision,
        "outcome": message.outcome,
        "categories": " ".join(sorted({str(h.get("category")) for h in hits})),
        "terms": " ".join(sorted({str(h.get("term")) for h in hits if h.get("term")})),
        "lexicon_version": message.lexicon_version,
        "case_id": case.id if case else None,
        "case_status": case.status if case else None,
        "verdict": case.verdict if case else None,
        "verdict_note": case.verdict_note if case else None,
        "assignee": f"{assignee.name} ({assignee.userid})" if assignee else None,
        "content_hash": message.content_hash,
    }


def summary(export: Export, *, by: Staff, reason: str, at: datetime, fmt: str) -> list[tuple]:
    """The header/summary lines: who, when, why, what was asked, and the chain check."""
    report = verify_archive()
    lines = [
        ("导出时间 (exported at)", at.isoformat()),
        ("导出人 (exported by)", f"{by.name} ({by.userid})"),
        ("导出原因 (reason)", reason),
        ("导出类型 (kind)", export.kind),
        ("格式 (format)", fmt),
    ]
    lines += [(f"条件 {key}", _text(value)) for key, value in export.asked.items()]
    lines.append(("消息条数 (messages)", len(export.message_ids)))
    return lines + chain_lines(report)


def chain_lines(report: VerifyReport) -> list[tuple]:
    """The archive chain verification as summary lines."""
    lines = [
        ("存档链校验 (chain)", "完整 intact" if report.intact else "断裂 BROKEN"),
        ("已校验条数 (rows checked)", report.count),
        ("链尾编号 (head id)", report.head_id),
        ("链尾哈希 (head hash)", report.head_hash),
    ]
    if report.broken is not None:
        broken = report.broken
        where = f"#{broken.message_id} {broken.what}: {broken.detail}"
        lines.append(("首个断点 (first break)", where))
    return lines


def write_csv(lines: list[tuple], rows: Iterable[dict]) -> bytes:
    """The export as UTF-8 CSV with a byte-order mark (Excel opens the Chinese correctly):
    the summary lines, an empty line, then the message table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in lines:
        writer.writerow([safe_cell(v) for v in line])
    writer.writerow([])
    writer.writerow([f"{title} ({key})" for title, key in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(row[key]) for _, key in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(lines: list[tuple], rows: Iterable[dict]) -> bytes:
    """The export as an XLSX workbook: sheet 摘要 (the summary) and sheet 消息 (the table)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("摘要")
    for line in lines:
        sheet.append([_xlsx_cell(v) for v in line])
    table = book.create_sheet("消息")
    table.append([f"{title} ({key})" for title, key in COLUMNS])
    for row in rows:
        table.append([_xlsx_cell(row[key]) for _, key in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _text(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items()) or "-"
    return "-" if value is None else str(value)


def _xlsx_cell(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", safe_cell(value))
    return value
