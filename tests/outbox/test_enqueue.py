"""Enqueueing: one delivery per decision, and what WeCom would refuse is refused up front."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scrm.db import db
from scrm.outbox.kinds import InvalidDelivery
from scrm.outbox.models import QUEUED, Delivery
from scrm.outbox.services import enqueue_delivery


def test_the_same_decision_enqueued_twice_is_one_delivery(app, enqueue, payloads, delivery):
    first = enqueue("mass_message", payloads.mass_message(), key="sop:理财沙龙:day3")
    again = enqueue("mass_message", payloads.mass_message(), key="sop:理财沙龙:day3")
    assert first == again
    row = delivery(first)
    assert row.status == QUEUED and row.attempts == 0 and row.kind == "mass_message"
    assert row.payload["text"]["content"].startswith("本周理财早报")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1


def test_a_different_key_is_a_different_delivery(enqueue, payloads):
    assert enqueue("moment", payloads.moment()) != enqueue("moment", payloads.moment())


def _refused(app, kind, payload) -> str:
    with app.app_context(), pytest.raises(InvalidDelivery) as refused:
        enqueue_delivery(kind, payload, idempotency_key="refused-1", archived_message_id=1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    return str(refused.value)


def test_unknown_kind_is_refused_naming_the_kinds(app_ctx):
    message = _refused(app_ctx, "sms", {"text": {"content": "您好"}})
    assert "unknown delivery kind 'sms'" in message and "mass_message" in message


def test_mass_message_over_4000_bytes_is_refused_with_the_fix(app_ctx, payloads):
    text = "稳健理财，长期陪伴。" * 134  # 1,340 characters, 4,020 bytes in UTF-8
    message = _refused(app_ctx, "mass_message", payloads.mass_message(text))
    assert "4020 bytes" in message and "at most 4000" in message
    assert "split it into two messages" in message


def test_a_4000_byte_mass_message_is_accepted(app, enqueue, payloads, delivery):
    text = "稳" * 1333 + "a"  # exactly 4,000 bytes
    assert delivery(enqueue("mass_message", payloads.mass_message(text))).status == QUEUED


def test_ten_attachments_are_refused(app_ctx, payloads):
    payload = payloads.mass_message()
    payload["attachments"] = [
        {"msgtype": "image", "image": {"media_id": f"媒体{i}"}} for i in range(10)
    ]
    message = _refused(app_ctx, "mass_message", payload)
    assert "10 attachments" in message and "at most 9" in message


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ({"title": "沙龙回顾", "url": " javascript:alert(1)"}, "link.url"),
        (
            {"title": "沙龙回顾", "url": "https://www.example-bank.cn/x", "picurl": "data:,"},
            "link.picurl",
        ),
    ],
)
def test_a_link_attachment_that_is_not_a_web_address_is_refused(app_ctx, payloads, section, field):
    payload = payloads.mass_message()
    payload["attachments"] = [{"msgtype": "link", "link": section}]
    message = _refused(app_ctx, "mass_message", payload)
    assert f"attachments[0].{field}" in message and "https://" in message


def test_more_than_10000_customers_are_refused_and_told_to_split(app_ctx, payloads):
    payload = payloads.mass_message()
    payload["external_userid"] = [f"wm{i:08d}" for i in range(10001)]
    message = _refused(app_ctx, "mass_message", payload)
    assert "10001 ids" in message and "split the recipients" in message


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("mass_message", {"chat_type": "single", "text": {"content": "早安"}}, "sender"),
        (
            "mass_message",
            {"sender": "lin", "external_userid": ["wm1"], "text": {"content": " \u3000"}},
            "text.content is empty",
        ),
        ("mass_message", {"sender": "lin", "external_userid": ["wm1"]}, "nothing to send"),
        ("mass_message", {"chat_type": "朋友圈", "sender": "lin"}, "chat_type"),
        ("welcome_msg", {"text": {"content": "歡迎您！"}}, "welcome_code"),
        ("moment", {"text": {"content": "理" * 2001}}, "2001 characters"),
        ("app_message", {"touser": "lin", "msgtype": "text"}, "msgtype and its section"),
        (
            "app_message",
            {"agentid": 1, "touser": "lin", "msgtype": "text", "text": {"content": "会议"}},
            "leave agentid out",
        ),
        (
            "mass_message",
            {"sender": "lin", "external_userid": ["wm1"], "attachments": [{"msgtype": "pdf"}]},
            "attachments[0]",
        ),
        ("moment", ["不是对象"], "must be a JSON object"),
    ],
)
def test_payloads_wecom_would_refuse_are_refused_with_the_field_named(
    app_ctx, kind, payload, expected
):
    assert expected in _refused(app_ctx, kind, payload)


def test_an_empty_idempotency_key_is_refused(app_ctx, payloads):
    with pytest.raises(ValueError, match="idempotency_key"):
        enqueue_delivery(
            "mass_message", payloads.mass_message(), idempotency_key="", archived_message_id=1
        )
