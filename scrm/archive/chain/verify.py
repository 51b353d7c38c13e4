"""Walking the archive chain: recompute every hash, check every link, name the first break.

Streams in id order with keyset pages, so memory stays constant however long the archive.
What a hash chain alone cannot catch: someone who rewrites a row AND recomputes every later
hash and the head. Against that, the operator records the printed head elsewhere (another
system, a timestamping service) and passes it back as a witness.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from scrm.archive.chain.hashing import GENESIS_HASH, content_hash
from scrm.archive.chain.models import ArchivedMessage, ArchiveHead
from scrm.archive.chain.services import HEAD_ROW_ID
from scrm.db import db

CONTENT_ALTERED = "content altered"
ROW_MISSING = "row missing"
ROW_INSERTED = "row inserted"
LINK_BROKEN = "link broken"
HEAD_ALTERED = "head altered"

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain does not hold."""

    message_id: int
    what: str
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    """The result of one walk. ``head_hash`` is the last good link (genesis when empty)."""

    count: int
    head_id: int
    head_hash: str
    broken: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _rows_after(last_id: int, batch_size: int) -> Iterator[Mapping]:
    table = ArchivedMessage.__table__
    while True:
        page = db.session.execute(
            select(table).where(table.c.id > last_id).order_by(table.c.id).limit(batch_size)
        ).all()
        if not page:
            return
        for row in page:
            yield row._mapping
        last_id = page[-1].id  # keyset paging: Core rows, nothing kept between pages


def _check_row(row: Mapping, expected_id: int, prev_hash: str, witnesses) -> ChainBreak | None:
    if row["id"] != expected_id:
        first, last = expected_id, row["id"] - 1
        ids = f"id {first}" if first == last else f"ids {first}–{last}"
        return ChainBreak(first, ROW_MISSING, f"{ids} absent: the chain jumps to row {row['id']}")
    if content_hash(row) != row["content_hash"]:
        return ChainBreak(
            row["id"], CONTENT_ALTERED, "its content no longer matches its stored content_hash"
        )
    if row["prev_hash"] != prev_hash:
        return ChainBreak(
            row["id"],
            LINK_BROKEN,
            f"its prev_hash does not match row {expected_id - 1}: that row was replaced or "
            "rewritten, or this row was inserted",
        )
    witnessed = witnesses.get(row["id"])
    if witnessed is not None and witnessed != row["content_hash"]:
        return ChainBreak(
            row["id"],
            CONTENT_ALTERED,
            f"its hash differs from the witness {witnessed}: history up to here was rewritten",
        )
    return None


def verify_archive(
    *, batch_size: int = DEFAULT_BATCH, witnesses: Mapping[int, str] | None = None
) -> VerifyReport:
    """Walk the whole chain and report the first break, or that it is intact.

    :param batch_size: rows read per page.
    :param witnesses: ``{id: content_hash}`` recorded earlier outside the database (``verify``
        printed them as the head); each must still hold.
    """
    witnesses = dict(witnesses or {})
    count, last_id, last_hash = 0, 0, GENESIS_HASH

    def report(broken: ChainBreak | None) -> VerifyReport:
        return VerifyReport(count, last_id, last_hash, broken)

    while True:
        for row in _rows_after(last_id, batch_size):
            broken = _check_row(row, last_id + 1, last_hash, witnesses)
            if broken is not None:
                return report(broken)
            count, last_id, last_hash = count + 1, row["id"], row["content_hash"]
        # Read the head only after the walk: every append moves it in the same transaction,
        # so rows appended while we walked raise it, and we walk on to them.
        head = db.session.get(ArchiveHead, HEAD_ROW_ID, populate_existing=True)
        head_id = head.last_id if head is not None else 0
        if head_id > last_id:
            if db.session.get(ArchivedMessage, last_id + 1) is not None:
                continue  # appended while we walked
            return report(
                ChainBreak(
                    last_id + 1,
                    ROW_MISSING,
                    f"the head says the chain reaches row {head_id}, but it ends at row "
                    f"{last_id}: rows were cut off the end",
                )
            )
        break
    if head_id < last_id:
        return report(
            ChainBreak(
                head_id + 1,
                ROW_INSERTED,
                f"rows {head_id + 1}–{last_id} lie beyond the recorded head (row {head_id})",
            )
        )
    if head is not None and head.last_hash != last_hash:
        return report(
            ChainBreak(last_id, HEAD_ALTERED, "the recorded head hash differs from this row's")
        )
    for witness_id in sorted(witnesses):
        if witness_id > last_id:
            return report(
                ChainBreak(witness_id, ROW_MISSING, "a witnessed row is no longer in the chain")
            )
    return report(None)
