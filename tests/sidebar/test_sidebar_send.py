"""The checked send from the sidebar: pass, warn (confirm with a reason), block (the words and
why), a double tap archived once, a draft checked without archiving, and never to someone
else's customer."""

from __future__ import annotations

import threading

from helpers import CSRF_HEADERS
from sidebar_names import BEIJING_CUSTOMER, CUSTOMER, LEAD, LIN
from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.db import db

PASS_TEXT = "王总您好，本周六下午的理财沙龙在陆家嘴支行举办，欢迎您来参加。"
WARN_TEXT = "王总，这是目前最好的配置时机之一，您可以考虑一下。"
BLOCK_TEXT = "王总放心，這款產品保本保息，穩賺不賠！"
THREADS = 3


def _send(client, text, key, **extra):
    body = {"text": text, "external_userid": CUSTOMER, "attempt_key": key} | extra
    return client.post("/api/sidebar/send-check", json=body, headers=CSRF_HEADERS)


def _archived(**where):
    query = select(ArchivedMessage).where(ArchivedMessage.origin == "sidebar")
    for name, value in where.items():
        query = query.where(getattr(ArchivedMessage, name) == value)
    return db.session.scalars(query.order_by(ArchivedMessage.id)).all()


def test_rm_sends_a_passing_script_and_a_double_tap_archives_it_once(client, bank, sign_in_as):
    sign_in_as(LIN)
    first = _send(client, PASS_TEXT, "tap-0001-aaaa")
    again = _send(client, PASS_TEXT, "tap-0001-aaaa")
    assert first.status_code == 200, first.json
    assert first.json["decision"] == "pass" and first.json["released"] is True
    assert first.json["message"] == [{"msgtype": "text", "text": {"content": PASS_TEXT}}]
    assert again.json["repeated"] is True
    assert again.json["archived_message_id"] == first.json["archived_message_id"]
    # A "confirmation" of a message that passed is a repeat too: it went already.
    confirmed = _send(client, PASS_TEXT, "tap-0001-aaaa", confirm_reason="再发一次")
    assert confirmed.json["repeated"] is True
    rows = _archived()
    assert len(rows) == 1
    row = rows[0]
    assert (row.sender, row.recipients, row.channel) == (LIN, [CUSTOMER], "single")
    assert (row.decision, row.outcome, row.text) == ("pass", "released", PASS_TEXT)


def test_a_warning_must_be_confirmed_with_a_reason_and_is_archived_with_it(
    client, bank, sign_in_as
):
    sign_in_as(LIN)
    warned = _send(client, WARN_TEXT, "tap-0002-warn").json
    assert warned["decision"] == "warn" and warned["needs_confirmation"] is True
    assert warned["released"] is False and warned["message"] == []
    assert any(h["matched"] == "最好" and h["category"] == "绝对化用语" for h in warned["hits"])
    blank = _send(client, WARN_TEXT, "tap-0002-warn", confirm_reason="  ")
    assert blank.status_code == 400
    reason = "客户主动询问配置建议，已提示风险"
    sent = _send(client, WARN_TEXT, "tap-0002-warn", confirm_reason=reason).json
    assert sent["released"] is True and sent["message"][0]["text"]["content"] == WARN_TEXT
    rows = _archived()
    assert [(r.outcome, r.confirmed_reason) for r in rows] == [
        ("awaiting_confirmation", None),
        ("released", reason),
    ]


def test_a_blocked_message_shows_the_words_and_why_and_nothing_is_released(
    client, bank, sign_in_as
):
    sign_in_as(LIN)
    blocked = _send(client, BLOCK_TEXT, "tap-0003-block").json
    assert blocked["decision"] == "block" and blocked["released"] is False
    assert blocked["message"] == []
    matched = {h["matched"] for h in blocked["hits"]}
    assert {"保本", "穩賺"} <= matched
    hit = next(h for h in blocked["hits"] if h["matched"] == "保本")
    assert hit["category"] == "承诺收益/保本" and hit["basis"]
    # A second tap of the same attempt is the same answer, not a second archive row.
    assert _send(client, BLOCK_TEXT, "tap-0003-block").json["repeated"] is True
    assert [r.outcome for r in _archived()] == ["blocked"]


def test_checking_a_draft_shows_the_verdict_and_archives_nothing(client, bank, sign_in_as):
    sign_in_as(LIN)
    answer = client.post(
        "/api/sidebar/check", json={"text": BLOCK_TEXT, "channel": "single"}, headers=CSRF_HEADERS
    ).json
    assert answer["decision"] == "block"
    assert {"保本", "穩賺"} <= {h["matched"] for h in answer["hits"]}
    group = client.post(
        "/api/sidebar/check", json={"text": WARN_TEXT, "channel": "group"}, headers=CSRF_HEADERS
    ).json
    assert group["decision"] == "block"  # 绝对化用语 are blocked in customer groups
    assert (
        db.session.scalar(
            select(func.count(ArchivedMessage.id)).where(ArchivedMessage.origin == "sidebar")
        )
        == 0
    )


def test_nobody_sends_to_a_customer_they_do_not_serve_themselves(client, bank, sign_in_as):
    for n, userid in enumerate((LIN, LEAD)):
        sign_in_as(userid)
        response = _send(client, PASS_TEXT, f"tap-0004-{n}", external_userid=BEIJING_CUSTOMER)
        assert response.status_code == 404, userid
        assert "not one of your customers" in response.json["error"]["message"]
    # A branch lead oversees 林小美's customer but does not serve them: not from the sidebar.
    sign_in_as(LEAD)
    assert _send(client, PASS_TEXT, "tap-0005-lead").status_code == 404
    assert _archived() == []


def test_a_send_names_exactly_one_chat_and_an_attempt_key(client, bank, sign_in_as):
    sign_in_as(LIN)
    both = _send(client, PASS_TEXT, "tap-0006-both", chat_id=bank["chat_id"])
    assert both.status_code == 400 and "not both" in both.json["error"]["message"]
    short = _send(client, PASS_TEXT, "x")
    assert short.status_code == 400 and "attempt_key" in short.json["error"]["message"]
    assert _archived() == []


def test_rm_sends_to_their_group_through_the_gate(client, bank, sign_in_as):
    sign_in_as(LIN)
    body = {
        "text": "各位好，本周理财沙龙周六见。",
        "chat_id": bank["chat_id"],
        "attempt_key": "tap-0007-group",
    }
    answer = client.post("/api/sidebar/send-check", json=body, headers=CSRF_HEADERS).json
    assert answer["released"] is True
    (row,) = _archived()
    assert (row.channel, row.chat_ids) == ("group", [bank["chat_id"]])
    outsider = body | {"chat_id": bank["beijing_chat"], "attempt_key": "tap-0008-group"}
    assert (
        client.post("/api/sidebar/send-check", json=outsider, headers=CSRF_HEADERS).status_code
        == 404
    )


def test_a_script_with_its_material_is_scanned_with_the_material(client, bank, sign_in_as):
    sign_in_as(LIN)
    answer = _send(client, PASS_TEXT, "tap-0009-material", material_key="fund_intro_link").json
    assert answer["released"] is True
    assert answer["message"][1]["msgtype"] == "news"
    assert answer["message"][1]["news"]["link"].startswith("https://")
    (row,) = _archived()
    assert row.attachments[0]["msgtype"] == "link"
    assert row.attachments[0]["link"]["title"] == "星河稳健理财产品说明书"


def test_two_taps_at_the_same_moment_archive_one_attempt(app, client, bank, sign_in_as):
    """Two tabs (or a double tap the page did not catch) race with one attempt key."""
    sign_in_as(LIN)
    with client.session_transaction() as session:
        cookie_session = dict(session)
    start = threading.Barrier(THREADS)
    answers, failures = [], []

    def tap() -> None:
        try:
            tab = app.test_client()
            with tab.session_transaction() as session:
                session.update(cookie_session)
            start.wait()
            body = {"text": BLOCK_TEXT, "external_userid": CUSTOMER, "attempt_key": "race-0001"}
            answers.append(tab.post("/api/sidebar/send-check", json=body, headers=CSRF_HEADERS))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=tap) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert sorted(r.status_code for r in answers) == [200] * THREADS
    assert sorted(r.json["repeated"] for r in answers) == [False] + [True] * (THREADS - 1)
    db.session.expire_all()
    assert [r.outcome for r in _archived()] == ["blocked"]
