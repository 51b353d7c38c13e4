"""Signing in to the sidebar with WeCom OAuth (snsapi_base) and to the console with WeCom's
web login, through the simulator's pages, as a browser would (redirect by redirect)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import pytest
from web_helpers import LEFT, RM, follow_to_wecom, log_in, query_of, sim_url, wecom_signs_in
from werkzeug.test import Client

from scrm.wecom.simulator import api_oauth
from scrm.wecom.simulator.operator_tasks import OAUTH_CODE_TTL
from scrm.wecom.simulator.server import SimulatorApp


def test_rm_opening_the_sidebar_in_wecom_is_signed_in_as_themselves(client, wecom_bank, app):
    authorize = follow_to_wecom(client, "/sidebar/?entry=single_chat_tools")
    params = query_of(authorize)
    assert authorize.startswith(app.config["WECOM_OAUTH_AUTHORIZE_URL"] + "?")
    assert authorize.endswith("#wechat_redirect")
    assert params["scope"] == "snsapi_base" and params["response_type"] == "code"
    assert params["appid"] == app.config["WECOM_CORP_ID"]
    assert params["agentid"] == app.config["WECOM_AGENT_ID"]
    assert params["redirect_uri"] == "http://localhost/auth/wecom/callback"
    back = client.get(wecom_signs_in(authorize, RM))
    assert back.status_code == 302 and back.location == "/sidebar/?entry=single_chat_tools"
    page = client.get(back.location, follow_redirects=True).get_data(as_text=True)
    assert "林小美" in page
    session = client.get("/api/session").get_json()
    assert session["staff"]["userid"] == RM and session["roles"] == ["rm"]


def test_a_reused_sign_in_code_shows_a_clear_page_and_logs_no_code(client, wecom_bank, caplog):
    callback = wecom_signs_in(follow_to_wecom(client, "/sidebar/"), RM)
    assert client.get(callback).status_code == 302
    client.post(
        "/auth/logout", data={"csrf_token": client.get("/api/session").get_json()["csrf_token"]}
    )
    # The same code again, with a state this browser did start: WeCom answers 40029.
    fresh = follow_to_wecom(client, "/sidebar/")
    code = query_of(callback)["code"]
    caplog.set_level(logging.INFO)
    again = client.get(f"/auth/wecom/callback?code={code}&state={query_of(fresh)['state']}")
    page = again.get_data(as_text=True)
    assert again.status_code == 400
    assert "登录授权码已使用或已过期" in page and "40029" in page
    assert "WeCom refused the sign-in code (errcode 40029)" in caplog.text
    assert code not in caplog.text
    assert client.get("/api/session").get_json()["signed_in"] is False


def test_a_code_older_than_five_minutes_is_refused(client, wecom_bank):
    callback = wecom_signs_in(follow_to_wecom(client, "/sidebar/"), RM)
    wecom_bank.clock.advance(OAUTH_CODE_TTL + 1)
    refused = client.get(callback)
    assert refused.status_code == 400 and "已过期" in refused.get_data(as_text=True)


def test_a_callback_this_browser_did_not_start_is_refused(client, app, wecom_bank):
    callback = wecom_signs_in(follow_to_wecom(client, "/sidebar/"), RM)
    stranger = app.test_client()  # another browser, handed the victim's callback link
    refused = stranger.get(callback)
    assert refused.status_code == 400
    assert "不是从本页面发起" in refused.get_data(as_text=True)
    assert stranger.get("/api/session").get_json()["signed_in"] is False
    # And the state is single use: the rightful browser cannot replay it either after use.
    assert client.get(callback).status_code == 302
    assert client.get(callback).status_code == 400


def test_staff_who_left_the_bank_cannot_sign_in(client, wecom_bank):
    refused = client.get(wecom_signs_in(follow_to_wecom(client, "/sidebar/"), LEFT))
    assert refused.status_code == 403 and "已离职" in refused.get_data(as_text=True)
    assert client.get("/api/session").get_json()["signed_in"] is False


def test_a_member_not_yet_synced_is_fetched_from_wecom_and_signed_in(client, wecom_bank):
    back = client.get(wecom_signs_in(follow_to_wecom(client, "/sidebar/"), "zhou.zhuli"))
    assert back.status_code == 302
    staff = client.get("/api/session").get_json()["staff"]
    assert staff == {"userid": "zhou.zhuli", "name": "周助理 🌱", "department_id": 3}


#: ``next`` values that must never take the browser off our site, as they arrive decoded: a
#: browser drops tabs and newlines from a Location and reads a backslash as a slash, so each
#: of the first ones would land on //evil.example.
OFF_SITE = [
    "/\t/evil.example/",  # next=/%09/evil.example/
    "/\n/evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "//evil.example/phish",
    "///evil.example/",
    "/%09/evil.example/",  # next=/%2509/…: a tab after one more decoding
    "/%5Cevil.example/",
    "/\r\nSet-Cookie:%20pwned=1",
    "/%0d%0aSet-Cookie:x=1",
    "/%00/evil.example/",  # a NUL after one more decoding (a raw NUL: the test below)
    "/\x7f/evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_wecom_sign_in_never_redirects_off_our_site(client, wecom_bank, target):
    start = "/auth/wecom/start?" + urlencode({"next": target})
    back = client.get(wecom_signs_in(follow_to_wecom(client, start), RM))
    assert back.status_code == 302 and back.location == "/sidebar/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_local_login_never_redirects_off_our_site(client, admin, target):
    answer = log_in(client, next_path=target)
    assert answer.status_code == 302 and answer.location == "/console/"


def test_a_raw_nul_in_next_is_refused_before_any_redirect(client, admin):
    # No text column can hold a NUL: every request carrying one is a 400 (scrm/payloads.py).
    start = client.get("/auth/wecom/start?" + urlencode({"next": "/\x00/evil.example/"}))
    assert start.status_code == 400 and "Location" not in start.headers
    answer = log_in(client, next_path="/\x00/evil.example/")
    assert answer.status_code == 400 and "Location" not in answer.headers


def test_a_page_on_our_site_is_kept_with_its_query(client, wecom_bank, admin):
    page = "/console/review?status=open&q=保本"
    start = "/auth/wecom/start?" + urlencode({"via": "qr", "next": page})
    back = client.get(wecom_signs_in(follow_to_wecom(client, start), RM))
    assert back.location == "/console/review?status=open&q=%E4%BF%9D%E6%9C%AC"
    other = client.application.test_client()
    assert log_in(other, next_path=page).location == back.location


def test_console_qr_login_goes_through_wecoms_web_login(client, wecom_bank, app):
    login = client.get("/console/login").get_data(as_text=True)
    assert "企业微信扫码登录" in login
    authorize = follow_to_wecom(client, "/auth/wecom/start?via=qr&next=/console/")
    params = query_of(authorize)
    assert authorize.startswith(app.config["WECOM_WEB_LOGIN_URL"] + "?")
    assert params["login_type"] == "CorpApp" and params["agentid"] == app.config["WECOM_AGENT_ID"]
    back = client.get(wecom_signs_in(authorize, RM))
    assert back.location == "/console/"
    assert "林小美" in client.get("/console/").get_data(as_text=True)


def test_sign_in_never_names_the_member_not_even_in_demo_mode(client, wecom_bank, app):
    # WeCom's page decides who signs in; a link cannot choose (the demo's links go through the
    # simulator's stand-in for the WeCom client instead, below).
    authorize = follow_to_wecom(client, f"/auth/wecom/start?as={RM}")
    assert "userid" not in query_of(authorize)
    app.config["DEMO_MODE"] = True
    authorize = follow_to_wecom(client, f"/auth/wecom/start?as={RM}")
    assert "userid" not in query_of(authorize)


def test_the_simulator_signs_in_the_member_who_opened_our_page_in_their_wecom(client, wecom_bank):
    # The demo's printed links: the member opens our page in their (stand-in) WeCom client,
    # and WeCom's sign-in page signs them in unasked, as WeCom signs in whoever uses the client.
    phone = Client(SimulatorApp(wecom_bank))
    start = "http://localhost/auth/wecom/start?via=qr&next=/console/"
    opened = phone.get(_open_in_wecom(RM, start))
    assert opened.status_code == 302 and opened.location == start
    authorize = urlsplit(follow_to_wecom(client, "/auth/wecom/start?via=qr&next=/console/"))
    answer = phone.get(f"{authorize.path}?{authorize.query}")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    callback = urlsplit(answer.location)
    back = client.get(f"{callback.path}?{callback.query}")
    assert back.status_code == 302 and back.location == "/console/"
    assert client.get("/api/session").get_json()["staff"]["userid"] == RM
    # Only an active member of the corp can be the one using WeCom.
    for who in (LEFT, "nobody"):
        refused = phone.get(_open_in_wecom(who, start))
        assert refused.status_code == 400 and "not an active member" in refused.get_data(True)


def _open_in_wecom(userid: str, url: str) -> str:
    return f"{api_oauth.OPEN_IN_WECOM_PATH}?{urlencode({'userid': userid, 'url': url})}"


def test_the_simulators_sign_in_page_lists_members_and_signs_in_the_chosen_one(
    wecom_bank, app_config
):
    browser = Client(lambda environ, start: _pages(wecom_bank, environ, start))
    base = (
        "/connect/oauth2/authorize?appid={}&redirect_uri=http%3A%2F%2Fscrm%2Fcb&"
        "response_type=code&scope=snsapi_base&state=s1&agentid={}"
    )
    url = base.format(app_config["WECOM_CORP_ID"], app_config["WECOM_AGENT_ID"])
    page = browser.get(url).get_data(as_text=True)
    assert "林小美" in page and "周助理 🌱" in page and "王離職" not in page
    picked = browser.get(url + "&userid=" + RM)
    assert picked.status_code == 302
    assert picked.location.startswith("http://scrm/cb?code=") and picked.location.endswith(
        "&state=s1"
    )
    wrong_corp = browser.get(url.replace(app_config["WECOM_CORP_ID"], "wwsomeoneelse"))
    assert wrong_corp.status_code == 400 and "is not this corp" in wrong_corp.get_data(True)
    qr = "/wwlogin/sso/login?login_type=CorpApp&appid={}&redirect_uri=http%3A%2F%2Fscrm%2Fcb"
    qr_page = browser.get(qr.format(app_config["WECOM_CORP_ID"])).get_data(as_text=True)
    assert "扫码登录" in qr_page and "林小美" in qr_page
    assert sim_url(app_config).startswith("http://127.0.0.1:")


def _pages(sim, environ, start_response):
    from werkzeug.wrappers import Request

    return api_oauth.respond(sim, Request(environ))(environ, start_response)


def test_a_customer_opening_our_page_is_refused_and_gets_no_session(client, wecom_bank, caplog):
    # A customer taps a link to our H5 inside WeCom: getuserinfo answers openid and
    # external_userid, not a userid. Only members of the bank's WeCom may sign in.
    fresh = follow_to_wecom(client, "/sidebar/")
    code = wecom_bank.operator.customer_opens_our_page("wmKeHu顧客0001").code
    caplog.set_level(logging.INFO)
    refused = client.get(f"/auth/wecom/callback?code={code}&state={query_of(fresh)['state']}")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "仅供本行员工使用" in page
    assert "WeCom sign-in by a non-member refused" in caplog.text
    assert "wmKeHu顧客0001" not in caplog.text and code not in caplog.text
    assert client.get("/api/session").get_json()["signed_in"] is False
