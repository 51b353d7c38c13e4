"""Archive fixtures: messages to chain, and an attacker with raw database access."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from scrm.archive.chain.services import append_message
from scrm.db import db

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "scrm/migrations/versions/b1c0a3c1a001_compliance_archive.py"
)

CHATS = [
    "王女士您好，这是本周的理财早报📈",
    "您关注的「稳健系列」今天开放申购，详情请看附件。",
    "過往業績不代表未來表現，投資需謹慎。",
    "ＡＢＣ全角字母与表情🧧混排也要原样存档",
    "客户经理李娜：明天上午十点在支行等您，带上身份证原件。",
    "如需调整风险评估，请回复“1”。",
]


def archive_chats(count: int, *, sender: str = "li.na") -> list[int]:
    """Append ``count`` outbound chats (the session's transaction; the caller commits)."""
    ids = []
    for i in range(count):
        row = append_message(
            direction="outbound",
            channel=("single", "group", "moments")[i % 3],
            origin="sidebar",
            sender=sender,
            msgtype="text",
            text=CHATS[i % len(CHATS)],
            decision="pass",
            outcome="released",
            recipients=[f"wmCustomer{i:04d}"],
            attachments=[
                {
                    "msgtype": "link",
                    "link": {"title": "稳健系列说明书", "url": "https://b.example/1"},
                }
            ],
            hits=[],
            lexicon_version="a" * 64,
        )
        ids.append(row.id)
    return ids


@pytest.fixture
def append_chats():
    """``append_chats(count, sender=…)`` appends chats in the current app context."""
    return archive_chats


@pytest.fixture
def archived(app_ctx):
    """Six archived chats, committed; returns their ids."""
    ids = archive_chats(6)
    db.session.commit()
    return ids


def _migration():
    spec = importlib.util.spec_from_file_location("archive_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Attacker:
    """Someone with the database password: drops the guard triggers, then edits rows."""

    def __init__(self, uri: str):
        self.engine = create_engine(uri)
        self.dropped = False

    def drop_triggers(self) -> None:
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(
                    text("DROP TRIGGER archived_message_refuse_update_delete ON archived_message")
                )
            else:
                conn.execute(text("DROP TRIGGER archived_message_refuse_update"))
                conn.execute(text("DROP TRIGGER archived_message_refuse_delete"))
        self.dropped = True

    def run(self, sql: str, **params) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)

    def rows(self, sql: str, **params) -> list:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).mappings().all()

    def restore(self) -> None:
        # PostgreSQL keeps one schema for the whole run: put the guard back for later tests.
        if self.dropped and self.engine.dialect.name == "postgresql":
            with self.engine.begin() as conn:
                conn.execute(text(_migration().POSTGRES_TRIGGERS[1]))
        self.engine.dispose()


@pytest.fixture
def attacker(app):
    person = Attacker(app.config["SQLALCHEMY_DATABASE_URI"])
    yield person
    person.restore()
