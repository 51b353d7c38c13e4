"""The indexer keeps the search index current: it catches up after new messages, indexes each
message once however often it runs, and can be rebuilt from the archive."""

from __future__ import annotations

from sqlalchemy import func, select, text

from scrm.archive.search.find import search_archive
from scrm.archive.search.indexer import (
    SOURCE_COLUMNS,
    index_new_messages,
    index_rows,
    indexed_up_to,
)
from scrm.archive.search.jobs import index_archive_for_search
from scrm.archive.search.models import ArchiveSearchDoc, ArchiveSearchFact
from scrm.archive.search.query import query_from_args
from scrm.db import db


def counts() -> tuple[int, int]:
    docs = db.session.scalar(select(func.count()).select_from(ArchiveSearchDoc))
    facts = db.session.scalar(select(func.count()).select_from(ArchiveSearchFact))
    return docs, facts


def found(q: str) -> list[int]:
    return [r["id"] for r in search_archive(query_from_args({"q": q})).results]


def fts_rows(word: str) -> list[int] | None:
    """On SQLite, the FTS5 rowids holding ``word`` (a rowid written twice would show twice)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return None
    statement = text("SELECT rowid FROM archive_search_fts WHERE archive_search_fts MATCH :w")
    return sorted(db.session.scalars(statement, {"w": f'"{word}"'}))


def test_indexer_catches_up_after_new_messages_and_never_indexes_twice(search_bank, archive, index):
    first = [archive("稳健理财第一期"), archive("稳健理财第二期")]
    assert found("稳健") == []  # not indexed yet
    assert index() == 2
    assert index() == 0 and indexed_up_to() == first[-1]
    later = archive("稳健理财第三期")
    assert index() == 1
    assert found("稳健") == [later, *reversed(first)]
    assert counts() == (3, 3)  # one customer fact each
    assert fts_rows("稳健") in (None, sorted([*first, later]))


def test_a_second_indexer_writing_the_same_batch_changes_nothing(search_bank, archive, index):
    message = archive("保本保息")
    index()
    rows = db.session.execute(select(*SOURCE_COLUMNS)).all()
    index_rows(rows, {})  # another worker that read the same batch a moment ago
    db.session.commit()
    assert counts() == (1, 1)
    assert fts_rows("保本") in (None, [message])
    assert found("保本") == [message]


def test_the_clock_job_indexes_what_was_archived_since_its_last_run(search_bank, archive):
    message = archive("养老规划讲座下周六举行")
    index_archive_for_search()
    db.session.commit()
    assert found("养老") == [message]


def test_reindex_command_indexes_and_rebuild_starts_over(runner, search_bank, archive):
    messages = [archive("国债逆回购今天收益不错"), archive("黄金积存可以定投")]
    result = runner.invoke(args=["scrm", "archive", "reindex"])
    assert result.exit_code == 0, result.output
    assert f"indexed 2 messages; the index reaches message {messages[-1]}" in result.output
    rebuilt = runner.invoke(args=["scrm", "archive", "reindex", "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "indexed 2 messages" in rebuilt.output
    db.session.expire_all()
    assert found("黄金") == [messages[1]] and counts() == (2, 2)
    assert fts_rows("黄金") in (None, [messages[1]])


def test_index_new_messages_stops_near_its_limit(search_bank, archive, index):
    for n in range(5):
        archive(f"消息{n}")
    assert index_new_messages(batch_size=2, limit=3) == 4  # whole batches
    db.session.commit()
    assert index() == 1
