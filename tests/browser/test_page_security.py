"""In a real browser, every screen runs under scrm's Content-Security-Policy (our own scripts
and styles only): each console page with its data shown (a chart's tooltip, marked hits, the
lexicon test), the sign-in, 403, error and status pages, and the sidebar beside a customer,
beside a group and outside WeCom; no refusal is reported (``securitypolicyviolation`` or
Chromium's console). A material saved with a ``javascript:`` link before links were checked
shows as invalid in the sidebar: no link to click, nothing sent.

(Every other browser test checks the same through the ``page`` and ``console_page`` fixtures.)
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from playwright.sync_api import expect
from sidebar_names import CUSTOMER, LIN

from scrm.compliance.review.cases import find_review_case
from scrm.console.pages import PAGES
from scrm.db import db, utcnow
from scrm.directory.services import grant_role
from scrm.sidebar.models import SidebarMaterial


@pytest.fixture
def app_config(app_config):
    """Give up on the WeCom client sooner than in production (8 s), to keep the run short."""
    return app_config | {"SIDEBAR_BRIDGE_WAIT_MS": 1500}


def _ready(desk) -> None:
    expect(desk.get_by_test_id("console-nav")).to_have_attribute("data-ready", "1")
    desk.wait_for_load_state("networkidle")


def test_every_console_screen_runs_under_the_policy(console_page, live_server, console_bank):
    bank = console_bank
    for role in ("compliance", "hq_ops", "branch_lead"):  # one member who may open every page
        grant_role(bank["admin"], role)
    db.session.commit()
    case = find_review_case(bank["promise"])
    screens = {
        "archive": "/console/archive",
        "conversation": f"/console/archive/messages/{bank['promise']}",
        "review": "/console/review",
        "review_case": f"/console/review/cases/{case.id}",
        "audit": "/console/audit",
        "lexicon": "/console/lexicon",
        "dashboards": f"/console/dashboards?start={bank['D1']}&end={bank['D2']}",
        "status": "/console/status",
        "scripts": "/console/scripts",
    }
    assert set(screens) == set(PAGES), "a console page is missing from this walk"
    desk = console_page(bank["admin"].userid, "/console/")
    for name, path in screens.items():
        desk.goto(live_server.url + path)
        _ready(desk)
        expect(desk.get_by_test_id("forbidden")).to_have_count(0)
        if name == "archive":
            desk.get_by_test_id("q").fill("保本")
            desk.get_by_test_id("search").click()
            expect(desk.get_by_test_id("result").locator("mark").first).to_be_visible()
        elif name == "lexicon":
            desk.get_by_test_id("test-text").fill("这款产品保本保收益，稳赚不赔🎉")
            desk.get_by_test_id("test-run").click()
            expect(desk.get_by_test_id("test-marked").locator("mark").first).to_be_visible()
        elif name == "dashboards":
            bars = desk.get_by_test_id("bars").locator("canvas")
            expect(bars).to_have_count(1)
            expect(desk.get_by_test_id("child-row").first).to_be_visible()
            box = bars.bounding_box()
            for x in (0.2, 0.3, 0.35):  # onto the first bar: ECharts shows its tooltip
                desk.mouse.move(box["x"] + box["width"] * x, box["y"] + box["height"] * 0.6)
            desk.wait_for_timeout(300)  # the tooltip follows the pointer after a frame
            desk.shoot("dashboards-tooltip")
        elif name == "scripts":
            expect(desk.get_by_test_id("scripts")).to_have_attribute("data-ready", "1")
        assert desk.csp_violations == [], (path, desk.csp_violations)
    desk.shoot("scripts")


def test_sign_in_403_error_and_status_pages_run_under_the_policy(
    page, console_page, live_server, console_bank
):
    page.goto(live_server.url + "/console/login")
    expect(page.get_by_test_id("wecom-login")).to_be_visible()
    page.goto(live_server.url + "/auth/wecom/callback?code=nothing&state=forged")
    expect(page.get_by_test_id("error-message")).to_be_visible()
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("scrm status")
    rm = console_page("lin.xiaomei", "/console/archive")
    expect(rm.get_by_test_id("forbidden")).to_be_visible()
    assert page.csp_violations == [] and rm.csp_violations == []


def _sidebar(page, live_server, query: dict) -> None:
    sidebar = "/sidebar/app/?" + urlencode(query)
    page.goto(f"{live_server.url}/auth/wecom/start?next={quote(sidebar, safe='')}")
    page.locator(f'a[data-userid="{LIN}"]').click()
    page.wait_for_function("() => window.__SCRM_SIDEBAR_READY__")  # a function: eval is refused
    page.wait_for_load_state("networkidle")


def test_every_sidebar_screen_runs_under_the_policy(page, live_server, sidebar_bank):
    q = page.get_by_test_id
    _sidebar(
        page, live_server, {"demo": 1, "entry": "single_chat_tools", "external_userid": CUSTOMER}
    )
    expect(q("customer-name")).to_have_text("王建國🌸")
    for tab in ("tab-scripts", "tab-check", "tab-customer"):
        q(tab).click()
    _sidebar(
        page,
        live_server,
        {"demo": 1, "entry": "group_chat_tools", "chat_id": sidebar_bank["chat_id"]},
    )
    expect(q("group-name")).to_have_text("陆家嘴·理财沙龙群")
    # No ?demo=1: the official @wecom/jssdk loads, as in production (outside WeCom it says so).
    _sidebar(page, live_server, {"entry": "single_chat_tools"})
    expect(q("sidebar-notice")).to_contain_text("请在企业微信聊天工具栏中打开本页")
    assert page.csp_violations == []


def test_an_old_material_with_a_javascript_link_shows_as_invalid_and_is_not_sent(
    page, live_server, sidebar_bank, screenshot
):
    db.session.add(
        SidebarMaterial(
            key="old_bad_link",
            kind="link",
            category="活动回顾",
            title="旧沙龙回顾",
            content={"link": " javascript:alert(document.cookie)", "title": "旧沙龙回顾"},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    _sidebar(
        page, live_server, {"demo": 1, "entry": "single_chat_tools", "external_userid": CUSTOMER}
    )
    page.get_by_test_id("tab-scripts").click()
    row = page.get_by_test_id("material").filter(has_text="旧沙龙回顾")
    expect(row.get_by_test_id("material-invalid")).to_contain_text("链接无效")
    expect(row.locator("a")).to_have_count(0)
    assert page.locator('a[href^="javascript" i], a[href*="script:" i]').count() == 0
    good = page.get_by_test_id("material").filter(has_text="星河稳健理财产品说明书")
    expect(good.locator("a")).to_have_attribute(
        "href", "https://www.example-bank.cn/wealth/xinghe-wenjian"
    )
    screenshot("invalid-material")
