"""The JSON API: compliance searches and opens conversations; everyone else is refused; every
search and every view leaves an access-audit row."""

from __future__ import annotations

from sqlalchemy import select

from scrm.audit.models import AccessAudit
from scrm.db import db


def audit_rows() -> list[AccessAudit]:
    db.session.expire_all()
    return list(db.session.scalars(select(AccessAudit).order_by(AccessAudit.id)))


def test_compliance_officer_searches_and_the_search_is_audited(
    client, search_bank, sign_in_as, archive, index
):
    wanted = archive("王女士您好，保本保息的产品不存在")
    archive("明天见")
    index()
    sign_in_as(search_bank["compliance"])
    response = client.get("/api/archive/search", query_string={"q": "保本", "decision": "pass"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [r["id"] for r in body["results"]] == [wanted] and body["next_before"] is None
    assert "<mark>保本</mark>" in body["results"][0]["text_html"]
    [row] = audit_rows()
    assert (row.staff_userid, row.action, row.result_count) == ("he.gui", "search", 1)
    assert row.what == {"query": "保本", "filters": {"decision": "pass"}}


def test_an_rm_gets_403_and_nobody_401_and_neither_is_shown_anything(
    client, search_bank, sign_in_as, archive, index
):
    message = archive("保本保息")
    index()
    sign_in_as(search_bank["rm"])
    refused = client.get("/api/archive/search?q=保本")
    assert refused.status_code == 403
    assert "archive.search" in refused.get_json()["error"]["message"]
    assert client.get(f"/api/archive/messages/{message}/conversation").status_code == 403
    sign_in_as(None)
    assert client.get("/api/archive/search?q=保本").status_code == 401
    assert audit_rows() == []


def test_malformed_search_answers_400_with_the_fix_and_audits_nothing(
    client, search_bank, sign_in_as
):
    sign_in_as(search_bank["compliance"])
    response = client.get("/api/archive/search", query_string={"q": '"保本'})
    assert response.status_code == 400
    assert "unclosed quote" in response.get_json()["error"]["message"]
    assert audit_rows() == []


def test_conversation_view_shows_both_sides_of_the_1v1_and_is_audited(
    client, search_bank, sign_in_as, archive, index
):
    asked = archive("请问稳健系列还能买吗？", sender="wmWangNvshi0001", inbound=True,
                    recipients=["li.na"])  # fmt: skip
    answered = archive("可以的，起购一万元")
    archive("别的客户的消息", customer="wmOther0009")
    thanked = archive("好的谢谢👍", sender="wmWangNvshi0001", inbound=True, recipients=["li.na"])
    index()
    sign_in_as(search_bank["compliance"])
    response = client.get(
        f"/api/archive/messages/{answered}/conversation",
        query_string={"before": 5, "after": 5, "reason": "投诉核查 #2026-118"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [m["id"] for m in body["messages"]] == [asked, answered, thanked]
    assert body["conversation"] == {"kind": "single", "rm": "li.na",
                                    "customer": "wmWangNvshi0001"}  # fmt: skip
    [row] = audit_rows()
    assert row.action == "view" and row.reason == "投诉核查 #2026-118"
    assert row.what == {"message_ids": [asked, answered, thanked], "around": answered}


def test_group_conversation_and_limits_before_and_after(
    client, search_bank, sign_in_as, archive, index
):
    said = [
        archive(f"群公告{n}", channel="group", chat="wrLujiazuiSalon0001", customer=None)
        for n in range(5)
    ]
    archive("另一个群", channel="group", chat="wrOtherGroup0002", customer=None)
    index()
    sign_in_as(search_bank["compliance"])
    body = client.get(f"/api/archive/messages/{said[2]}/conversation?before=1&after=1").get_json()
    assert [m["id"] for m in body["messages"]] == said[1:4]
    assert body["conversation"] == {"kind": "group", "chat_id": "wrLujiazuiSalon0001"}


def test_a_mass_message_stands_alone_and_unknown_ids_are_404(
    client, search_bank, sign_in_as, archive, index
):
    mass = archive("双十一理财节", recipients=["wmA0001", "wmB0002", "wmC0003"])
    index()
    sign_in_as(search_bank["compliance"])
    body = client.get(f"/api/archive/messages/{mass}/conversation").get_json()
    assert [m["id"] for m in body["messages"]] == [mass] and body["conversation"] is None
    assert "3 recipients" in body["note"]
    missing = client.get("/api/archive/messages/999999/conversation")
    assert missing.status_code == 404 and "does not exist" in missing.get_json()["error"]["message"]


def test_a_message_not_yet_indexed_says_how_to_index_it(client, search_bank, sign_in_as, archive):
    fresh = archive("刚刚归档的消息")
    sign_in_as(search_bank["compliance"])
    response = client.get(f"/api/archive/messages/{fresh}/conversation")
    assert response.status_code == 409
    assert "scrm archive reindex" in response.get_json()["error"]["message"]


def test_dates_and_cursors_out_of_range_answer_400_saying_what_is_allowed(
    client, search_bank, sign_in_as
):
    sign_in_as(search_bank["compliance"])
    for args, allowed in (
        ({"from": "0001-01-01"}, "2000-01-01"),
        ({"to": "9999-12-31"}, "2100-12-31"),
        ({"from": "9999-12-31T23:59:59-12:00"}, "2100-12-31"),
        ({"q": "保本", "before": "99999999999999999999999"}, "9223372036854775807"),
        ({"q": "保本", "branch": "99999999999999999999999"}, "2147483647"),
    ):
        response = client.get("/api/archive/search", query_string=args)
        assert response.status_code == 400, (args, response.status_code)
        message = response.get_json()["error"]["message"]
        assert allowed in message and next(iter(args.keys() - {"q"})) in message, message
    huge = client.get("/api/archive/messages/99999999999999999999999/conversation")
    assert huge.status_code == 404
    assert audit_rows() == []
