"""What the archive-search tests share: a small bank, archiving one message, indexing.

The helpers are fixtures that return functions, so test modules need no imports from here."""

from __future__ import annotations

import pytest

from scrm.archive.chain.services import append_message
from scrm.archive.search.indexer import index_new_messages
from scrm.db import db
from scrm.directory.models import Staff

SHANGHAI, LUJIAZUI, BEIJING = 2, 3, 4
GROUP_CHAT = "wrLujiazuiSalon0001"


@pytest.fixture
def search_bank(app_ctx, create_department, create_staff) -> dict[str, Staff]:
    """星河银行 (1) → 上海分行 (2) → 陆家嘴支行 (3), and 北京分行 (4): two RMs, a compliance
    officer and an admin."""
    hq = create_department(1, "星河银行")
    lujiazui = create_department(
        LUJIAZUI, "陆家嘴支行", create_department(SHANGHAI, "上海分行", hq)
    )
    beijing = create_department(BEIJING, "北京分行", hq)
    people = {
        "rm": create_staff("li.na", "李娜", lujiazui, roles=["rm"]),
        "beijing_rm": create_staff("zhao.bj", "赵北京", beijing, roles=["rm"]),
        "compliance": create_staff("he.gui", "何合规", hq, roles=["compliance"]),
        "admin": create_staff("guan.li", "管理员", hq, roles=["admin"]),
    }
    db.session.commit()
    return people


def archive_message(
    text: str,
    *,
    sender: str = "li.na",
    customer: str | None = "wmWangNvshi0001",
    channel: str = "single",
    chat: str | None = None,
    decision: str = "pass",
    hits: list | None = None,
    inbound: bool = False,
    recipients: list[str] | None = None,
) -> int:
    """Archive one message (committed) and return its id."""
    if recipients is None:
        recipients = [customer] if channel == "single" and customer else []
    row = append_message(
        direction="inbound" if inbound else "outbound",
        channel=channel,
        origin="conversation_archive" if inbound else "sidebar",
        sender=sender,
        msgtype="text",
        text=text,
        decision=decision,
        outcome="ingested"
        if inbound
        else {"block": "blocked", "warn": "awaiting_confirmation"}.get(decision, "released"),
        recipients=recipients,
        chat_ids=[chat] if chat else [],
        hits=hits or [],
    )
    db.session.commit()
    return row.id


def lexicon_hit(
    text: str, term: str, *, category: str = "guaranteed_return", action="block"
) -> dict:
    """A lexicon hit on the first ``term`` in ``text``, as the gate archives it."""
    start = text.index(term)
    return {
        "kind": "lexicon",
        "category": category,
        "term": term,
        "action": action,
        "start": start,
        "end": start + len(term),
        "matched": term,
        "aligned": True,
    }


def index_now() -> int:
    """Run the indexer and commit, as the clock job does."""
    count = index_new_messages()
    db.session.commit()
    return count


@pytest.fixture
def archive():
    """``archive(text, sender=…, customer=…, channel=…, chat=…, decision=…, hits=…)`` → id."""
    return archive_message


@pytest.fixture
def hit():
    """``hit(text, term)``: a lexicon hit on ``term`` as the gate archives it."""
    return lexicon_hit


@pytest.fixture
def index():
    """``index()`` runs the indexer and commits; returns how many messages it indexed."""
    return index_now
