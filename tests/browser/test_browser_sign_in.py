"""In a real browser: an RM opens the sidebar through WeCom OAuth (the simulator's sign-in
page), an admin logs in to the console and out, and a reused sign-in code gets a clear page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from scrm.db import db
from scrm.demo.web import sign_in_link
from scrm.directory.services import grant_role, upsert_staff
from scrm.web.signin.accounts import create_console_account
from scrm.wecom.endpoints.reads import MemberInfo

RM = "lin.xiaomei"
PASSWORD = "星河-管理员-密码-2026"


@pytest.fixture
def bank(sim, app_ctx):
    sim.add_department(1, "星河银行")
    sim.add_department(3, "陆家嘴支行", parent_id=1)
    sim.add_user(RM, "林小美", [3])
    sim.add_user("zhou.zhuli", "周助理", [3])
    grant_role(upsert_staff(MemberInfo(RM, "林小美", (3,), main_department=3)), "rm")
    db.session.commit()
    return sim


def test_rm_opens_the_sidebar_in_wecom_and_sees_their_name_and_chat(
    page, live_server, app, bank, screenshot
):
    sidebar = "/sidebar/?demo=1&entry=single_chat_tools&external_userid=wmKeHu0001"
    page.goto(sign_in_link(app, live_server.url, RM, sidebar))
    expect(page.get_by_test_id("staff-name")).to_have_text("林小美")
    expect(page.get_by_test_id("demo-banner")).to_contain_text("演示模式")
    expect(page.get_by_test_id("entry")).to_have_text("单聊工具栏")
    # Not one of this RM's customers (the bank has none): a clear notice, no data.
    expect(page.get_by_test_id("sidebar-notice")).to_be_visible()
    # The toolbar address opens the sidebar app with WeCom's parameters kept.
    assert page.url.split("#")[0] == live_server.url + sidebar.replace("/sidebar/", "/sidebar/app/")
    screenshot("sidebar-home")


def test_rm_picks_themselves_on_the_simulators_wecom_sign_in_page(
    page, live_server, bank, screenshot
):
    page.goto(f"{live_server.url}/sidebar/?demo=1&entry=group_chat_tools&chat_id=wrQun0001")
    screenshot("wecom-authorize")
    page.locator(f'a[data-userid="{RM}"]').click()
    expect(page.get_by_test_id("staff-name")).to_have_text("林小美")
    expect(page.get_by_test_id("entry")).to_have_text("群聊工具栏")
    assert "chat_id=wrQun0001" in page.url


def test_a_reused_sign_in_code_shows_a_clear_error_page(page, live_server, app, bank, screenshot):
    callbacks = []
    page.on(
        "request",
        lambda r: callbacks.append(r.url) if "/auth/wecom/callback" in r.url else None,
    )
    page.goto(sign_in_link(app, live_server.url, RM, "/sidebar/"))
    expect(page.get_by_test_id("staff-name")).to_have_text("林小美")
    used_code = _query(callbacks[0])["code"]

    # The next sign-in: WeCom hands the browser back the code that was already used.
    # (page.request shares this browser's cookies, so the state belongs to this session.)
    start = page.request.get(f"{live_server.url}/auth/wecom/start", max_redirects=0)
    state = _query(start.headers["location"].split("#")[0])["state"]
    page.goto(f"{live_server.url}/auth/wecom/callback?code={used_code}&state={state}")
    expect(page.get_by_test_id("error-message")).to_contain_text("登录授权码已使用或已过期")
    screenshot("reused-code")


def test_admin_logs_in_to_the_console_and_out(page, live_server, bank, app_ctx, screenshot):
    create_console_account("guanli", PASSWORD)
    db.session.commit()
    page.goto(f"{live_server.url}/console/")
    page.locator("input[name=username]").fill("guanli")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("staff-name")).to_have_text("本地管理员 guanli")
    expect(page.get_by_test_id("console-nav")).to_contain_text("访问审计")
    expect(page.get_by_test_id("console-nav")).not_to_contain_text("存档检索")
    screenshot("console-home")
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("notice")).to_contain_text("您已退出登录")
    page.goto(f"{live_server.url}/console/")
    expect(page.get_by_test_id("login-submit")).to_be_visible()


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
