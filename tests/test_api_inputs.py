"""Odd input to the JSON API is a 400 that says what is allowed, never a 500: one test for each
500 the fuzz walk (test_fuzz_api.py) found, signed in as a member of staff with every role."""

from __future__ import annotations

import pytest
from helpers import CSRF_HEADERS
from sidebar_names import CUSTOMER


@pytest.fixture
def signed_in(client, every_role, sign_in_as):
    sign_in_as(every_role)
    return client


def _refused(response, *words: str) -> str:
    assert response.status_code == 400, (response.status_code, response.get_data()[:300])
    message = response.get_json()["error"]["message"]
    assert all(word in message for word in words), message
    return message


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/custody/handovers", 10**23),
        ("/api/custody/inheritances", ["departed_userid"]),
        (f"/api/customers/{CUSTOMER}/binding", "cif_no"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(signed_in, path, body):
    method = "PUT" if path.endswith("/binding") else "POST"
    response = signed_in.open(path, method=method, json=body, headers=CSRF_HEADERS)
    _refused(response, "JSON object")


def test_an_unbinding_request_key_that_is_not_text_is_refused(signed_in):
    response = signed_in.delete(
        f"/api/customers/{CUSTOMER}/binding",
        json={"reason": "客户要求解绑", "request_key": [None]},
        headers=CSRF_HEADERS,
    )
    _refused(response, '"request_key"', "must be text")


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("userids", "lin.xiaomei", "a list of text"),
        ("tag_ids", 1, "a list of text"),
        ("welcome_attachments", "图片", "a list of objects"),
        ("department_id", 10**23, "from 1 to 2147483647"),
    ],
)
def test_a_channel_with_a_field_of_the_wrong_type_is_refused(signed_in, field, value, allowed):
    body = {"name": "陆家嘴·理财沙龙活码", "kind": "single", "userids": ["lin.xiaomei"]}
    response = signed_in.post(
        "/api/acquisition/channels", json=body | {field: value}, headers=CSRF_HEADERS
    )
    _refused(response, f'"{field}"', allowed)


@pytest.mark.parametrize(
    ("path", "body", "allowed"),
    [
        ("/api/campaigns", {"name": "春季", "text": "您好", "chat_ids": "wr1"}, "a list of text"),
        ("/api/campaigns", {"name": "春季", "text": "您好", "attachments": "0"}, "list of objects"),
        ("/api/campaigns", {"name": "春季", "segment_id": []}, "whole number from 1"),
        ("/api/campaigns/segments/preview", {"segment_id": ["0", "0"]}, "whole number from 1"),
    ],
)
def test_a_campaign_field_of_the_wrong_type_is_refused(signed_in, path, body, allowed):
    _refused(signed_in.post(path, json=body, headers=CSRF_HEADERS), allowed)


def test_a_sidebar_problem_kind_that_is_not_text_is_refused(signed_in):
    response = signed_in.post("/api/sidebar/problems", json={"kind": ["0"]}, headers=CSRF_HEADERS)
    _refused(response, '"kind"')


@pytest.mark.parametrize(
    ("path", "field", "value", "allowed"),
    [
        ("/api/moments/own-posts", "attachments", [1], "a list of objects"),
        ("/api/moments/own-posts", "attachments", ["0"], "a list of objects"),
        ("/api/moments/own-posts", "customer_tag_ids", [7], "a list of text"),
        ("/api/moments/central-posts", "attachments", ["图片"], "a list of objects"),
    ],
)
def test_a_moment_with_a_field_of_the_wrong_type_is_refused(signed_in, path, field, value, allowed):
    body = {"text": "春季理财节🌸", "day": "2026-03-02", "slot": 1, field: value}
    _refused(signed_in.post(path, json=body, headers=CSRF_HEADERS), f'"{field}"', allowed)


@pytest.mark.parametrize("zone", ["Asia", "a" * 300, "Asia/上海", "/etc/passwd"])
def test_an_sop_assignment_in_an_unknown_time_zone_is_refused(signed_in, sidebar_bank, zone):
    body = {
        "template": "salon_care",
        "selector": {"chat_ids": [sidebar_bank["chat_id"]]},
        "start_date": "2026-03-02",
        "timezone": zone,
    }
    response = signed_in.post("/api/sop/assignments", json=body, headers=CSRF_HEADERS)
    _refused(response, '"timezone"', "Asia/Shanghai")


@pytest.mark.parametrize("url", ["http://[x", "https://[::1/sidebar/app/", "http://]/"])
def test_a_jssdk_page_address_that_is_not_a_url_is_refused(signed_in, url):
    _refused(signed_in.get("/api/jssdk/config", query_string={"url": url}), '"url"')


@pytest.mark.parametrize(
    "path",
    [
        "/api/review/cases/2147483648",  # one past PostgreSQL's integer ids
        "/api/moments/posts/9223372036854775807",
        "/api/custody/handovers/2147483648",
    ],
)
def test_an_id_beyond_what_its_table_holds_is_not_found(signed_in, path):
    assert signed_in.get(path).status_code == 404


def test_a_cursor_beyond_what_its_table_holds_says_the_range(signed_in):
    for path, name in (("/api/review/cases", "after"), ("/api/audit/access", "before")):
        _refused(signed_in.get(path, query_string={name: "2147483648"}), name, "2147483647")
    # Archived messages have 64-bit ids.
    response = signed_in.get(
        "/api/archive/search", query_string={"q": "保本", "before": "2147483648"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/api/customers/%00/notes", {"json": {"text": "跟进"}}),
        ("GET", "/api/audit/access", {"query_string": {"staff": "he\x00gui"}}),
        ("POST", f"/api/customers/{CUSTOMER}/notes", {"json": {"text": "跟进\x00记录"}}),
        ("PUT", f"/api/customers/{CUSTOMER}/remark", {"json": {"remark": "王总\ud800"}}),
    ],
)
def test_text_no_database_can_store_is_refused(signed_in, method, path, kwargs):
    response = signed_in.open(path, method=method, headers=CSRF_HEADERS, **kwargs)
    _refused(response, "NUL")
