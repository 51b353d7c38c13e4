"""Every archived message links to the one before it, and the database refuses to change one."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from scrm.archive.chain.hashing import GENESIS_HASH, content_hash
from scrm.archive.chain.models import ArchivedMessage, ArchiveHead
from scrm.archive.chain.services import append_message
from scrm.archive.chain.verify import verify_archive
from scrm.compliance.vocabulary import InvalidMessage
from scrm.db import db


def _chain():
    return db.session.scalars(select(ArchivedMessage).order_by(ArchivedMessage.id)).all()


def test_every_message_links_to_the_one_before(archived):
    db.session.expire_all()
    rows = _chain()
    assert [r.id for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.content_hash
    for row in rows:  # recomputed from what the database gives back, not what was written
        values = {c.name: getattr(row, c.name) for c in ArchivedMessage.__table__.columns}
        assert content_hash(values) == row.content_hash
    assert rows[2].text == "過往業績不代表未來表現，投資需謹慎。"
    head = db.session.get(ArchiveHead, 1)
    assert (head.last_id, head.last_hash) == (6, rows[-1].content_hash)


def test_verify_says_intact_with_the_head_hash(archived, runner):
    head = db.session.get(ArchiveHead, 1).last_hash
    result = runner.invoke(args=["scrm", "archive", "verify", "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"intact: 6 messages, head {head}")


def test_an_empty_archive_is_intact(runner, app_ctx):
    result = runner.invoke(args=["scrm", "archive", "verify"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"intact: 0 messages, head {GENESIS_HASH}")


def test_the_database_refuses_to_edit_an_archived_message(archived):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(
            update(ArchivedMessage).where(ArchivedMessage.id == 2).values(text="改过的内容")
        )
    db.session.rollback()
    assert (
        db.session.get(ArchivedMessage, 2).text
        == "您关注的「稳健系列」今天开放申购，详情请看附件。"
    )


def test_the_database_refuses_to_delete_an_archived_message(archived):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(delete(ArchivedMessage).where(ArchivedMessage.id == 3))
    db.session.rollback()
    assert len(_chain()) == 6


def test_postgres_refuses_to_truncate_the_archive(archived):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has none")
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE archived_message CASCADE"))
    db.session.rollback()
    assert len(_chain()) == 6


def test_an_ingested_message_is_archived_once(app_ctx):
    def ingest():
        return append_message(
            direction="inbound",
            channel="single",
            origin="conversation_archive",
            sender="wmCustomer0001",
            msgtype="text",
            text="我想问问那个保本的产品还有吗？🙏",
            decision="warn",
            wecom_msgid="1688123456789_external",
            seq=42,
        )

    first = ingest()
    db.session.commit()
    again = ingest()
    db.session.commit()
    assert again.id == first.id and first.outcome == "ingested"
    assert verify_archive().count == 1


def test_a_reused_key_with_other_content_is_refused(app_ctx):
    common = dict(
        direction="outbound",
        channel="group",
        origin="sop",
        sender="zhang.wei",
        msgtype="text",
        decision="pass",
        outcome="released",
        idempotency_key="sop:42:day3:2026-05-01",
    )
    append_message(text="今日早报：央行公开市场操作回顾。", **common)
    db.session.commit()
    with pytest.raises(InvalidMessage, match="own idempotency key"):
        append_message(text="另一条完全不同的内容", **common)
    db.session.rollback()
    assert verify_archive().count == 1


def test_an_unknown_channel_is_refused_naming_the_choices(app_ctx):
    with pytest.raises(InvalidMessage, match="single, group, moments"):
        append_message(
            direction="outbound",
            channel="wechat_moments",
            origin="moments",
            sender="li.na",
            msgtype="text",
            text="朋友圈文案",
            decision="pass",
            outcome="released",
        )
