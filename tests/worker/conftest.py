"""Fixtures for the worker: events to drain and a fast clock."""

from __future__ import annotations

import time

import pytest

from scrm.db import db
from scrm.inbox.services import store_event
from scrm.wecom.events import parse_event


@pytest.fixture
def stored_message(app):
    """``stored_message(content)`` stores a text message event as the callback would."""
    counter = iter(range(1, 10**6))

    def _store(content: str = "您好，想了解定期存款😀") -> int:
        plaintext = (
            f"<xml><ToUserName><![CDATA[{app.config['WECOM_CORP_ID']}]]></ToUserName>"
            "<FromUserName><![CDATA[wang.fang]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{next(counter)}</MsgId></xml>"
        )
        with app.app_context():
            row, _ = store_event(plaintext, parse_event(plaintext))
            db.session.commit()
            return row.id

    return _store
