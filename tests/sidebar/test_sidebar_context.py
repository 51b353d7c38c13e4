"""What the sidebar shows beside a chat: to-do counts, the recent messages of the RM's own
1v1 chat, the customer's to-dos, and the group view — and nothing of another RM's customer."""

from __future__ import annotations

from helpers import CSRF_HEADERS
from sidebar_names import BEIJING_CUSTOMER, CUSTOMER, LEAD, LIN, SECOND, SOP_TEXT, WANG, ZHAO_BJ


def test_rm_sees_the_recent_messages_of_their_own_chat_with_the_customer(client, bank, sign_in_as):
    sign_in_as(LIN)
    messages = client.get(f"/api/sidebar/customers/{CUSTOMER}/messages").json["messages"]
    assert [(m["from"], m["text"]) for m in messages] == [
        ("customer", "林经理，上次说的大额存单还有额度吗？"),
        ("rm", "王总您好，三年期大额存单还有额度，我把办理步骤发您。"),
    ]
    # 王建国 serves the same customer: he sees his own chat with him, not 林小美's.
    sign_in_as(WANG)
    other = client.get(f"/api/sidebar/customers/{CUSTOMER}/messages").json
    assert [m["text"] for m in other["messages"]] == ["王先生您好，我是王建国。"]
    sign_in_as(LIN)
    limited = client.get(f"/api/sidebar/customers/{CUSTOMER}/messages?limit=1")
    assert [m["from"] for m in limited.json["messages"]] == ["rm"]


def test_blocked_attempts_are_not_shown_as_messages_the_customer_got(client, bank, sign_in_as):
    sign_in_as(LIN)
    body = {"text": "保本保息", "external_userid": CUSTOMER, "attempt_key": "tap-ctx-0001"}
    assert client.post("/api/sidebar/send-check", json=body, headers=CSRF_HEADERS).json[
        "decision"
    ] == ("block")
    texts = [
        m["text"]
        for m in client.get(f"/api/sidebar/customers/{CUSTOMER}/messages").json["messages"]
    ]
    assert "保本保息" not in texts


def test_nobody_sees_anything_of_a_customer_they_do_not_serve(client, bank, sign_in_as):
    for userid, customer in ((LIN, BEIJING_CUSTOMER), (ZHAO_BJ, CUSTOMER), (LEAD, CUSTOMER)):
        sign_in_as(userid)
        for path in ("messages", "todos"):
            response = client.get(f"/api/sidebar/customers/{customer}/{path}")
            assert response.status_code == 404, (userid, path)
            assert "林经理" not in response.get_data(as_text=True)


def test_the_entry_counts_my_sop_to_dos(client, bank, sign_in_as):
    sign_in_as(LIN)
    home = client.get("/api/sidebar/home").json
    assert home["staff"]["name"] == "林小美"
    assert home["counts"] == {
        "sop_tasks": 1,
        "moments_to_publish": 0,
        "comment_follow_ups": 0,
        "handovers": 0,
    }
    sign_in_as(WANG)
    assert client.get("/api/sidebar/home").json["counts"]["sop_tasks"] == 0


def test_customer_to_dos_list_my_pending_sop_to_dos_in_their_groups(client, bank, sign_in_as):
    sign_in_as(LIN)
    todos = client.get(f"/api/sidebar/customers/{CUSTOMER}/todos").json["todos"]
    assert [(t["kind"], t["id"]) for t in todos] == [("sop_task", bank["task_id"])]
    assert "陆家嘴·理财沙龙群" in todos[0]["title"]
    assert client.get(f"/api/sidebar/customers/{SECOND}/todos").json["todos"][0]["kind"] == (
        "sop_task"
    )


def test_the_group_view_shows_members_my_roles_and_todays_to_do_with_its_text(
    client, bank, sign_in_as
):
    sign_in_as(LIN)
    view = client.get(f"/api/sidebar/groups/{bank['chat_id']}").json
    assert view["group"]["name"] == "陆家嘴·理财沙龙群"
    assert view["members"]["total"] == 3 and view["members"]["customers"] == 2
    assert view["my_roles"] == ["群主", "理财经理"]
    (task,) = view["tasks"]
    assert (task["id"], task["text"], task["status"]) == (bank["task_id"], SOP_TEXT, "pending")
    assert view["checkin_board"] == []
    sign_in_as(ZHAO_BJ)
    outsider = client.get(f"/api/sidebar/groups/{bank['chat_id']}")
    assert outsider.status_code == 404
    sign_in_as(LIN)
    unknown = client.get("/api/sidebar/groups/wrNoSuchGroup")
    assert unknown.status_code == 404
