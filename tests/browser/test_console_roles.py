"""In a real browser, the other roles: a branch lead drills the dashboard down from their
branch to one group; HQ ops drills from the bank and tries the lexicon test box; an admin
reads the access audit; an RM meets 403 pages; and the nav shows each role only its pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

CONSOLE_PAGES = {
    "存档检索": "/console/archive",
    "合规复核": "/console/review",
    "访问审计": "/console/audit",
    "词库": "/console/lexicon",
    "分行看板": "/console/dashboards",
}


@pytest.fixture
def bank(console_bank):
    return console_bank


def range_of(bank) -> str:
    return f"start={bank['D1']}&end={bank['D2']}"


def drill(page, level: str, name: str) -> None:
    page.locator(f'[data-testid=child-row][data-level="{level}"]', has_text=name).click()
    expect(page.get_by_test_id("children")).to_have_attribute("data-level", level)


def test_a_branch_lead_drills_down_from_their_branch_to_a_group(console_page, live_server, bank):
    desk = console_page("chen.hang", "/console/dashboards")
    expect(desk.get_by_test_id("path")).to_have_text("分行 上海分行")
    desk.get_by_test_id("start").fill(str(bank["D1"]))
    desk.get_by_test_id("end").fill(str(bank["D2"]))
    desk.locator("#range-form button").click()
    expect(desk.get_by_test_id("child-row")).to_have_count(3)  # 陆家嘴, 静安, 孙本部
    expect(desk.get_by_test_id("bars").locator("canvas")).to_have_count(1)
    expect(desk.get_by_test_id("trend").locator("canvas")).to_have_count(1)
    expect(desk.get_by_test_id("board-row").first).to_be_visible()
    desk.shoot("branch")

    drill(desk, "sub_branch", "陆家嘴支行")
    drill(desk, "rm", "林小美")
    drill(desk, "group", "理财沙龙群🎉")
    steps = desk.get_by_test_id("path-step")
    expect(steps).to_have_text(
        ["分行 上海分行", "支行 陆家嘴支行", "客户经理 林小美", "客户群 陆家嘴·理财沙龙群🎉"]
    )
    desk.shoot("group")

    href = desk.get_by_test_id("trend-csv").get_attribute("href")
    csv = desk.request.get(live_server.url + href)
    assert csv.status == 200 and csv.body().startswith(b"\xef\xbb\xbf")
    steps.first.click()
    expect(desk.get_by_test_id("path")).to_have_text("分行 上海分行")


def test_hq_ops_sorts_the_bank_and_tries_the_lexicon_test_box(console_page, live_server, bank):
    desk = console_page("zong.yunying", f"/console/dashboards?{range_of(bank)}")
    expect(desk.get_by_test_id("path")).to_have_text("全行 星河银行")
    desk.get_by_test_id("sort-name").click()
    names = desk.get_by_test_id("child-row").all_text_contents()
    assert len(names) == 2 and names[0] != names[-1]
    drill(desk, "branch", "北京分行")
    expect(desk.get_by_test_id("path-step")).to_have_count(2)

    desk.goto(f"{live_server.url}/console/lexicon")
    desk.get_by_test_id("test-text").fill("这款产品保本保收益，稳赚不赔🎉")
    desk.get_by_test_id("test-channel").select_option("group")
    desk.get_by_test_id("test-run").click()
    expect(desk.get_by_test_id("test-marked").locator("mark").first).to_be_visible()
    expect(desk.get_by_test_id("test-decision")).to_contain_text("拦截")
    expect(desk.get_by_test_id("lexicon-version")).not_to_be_empty()
    desk.shoot("lexicon-test")


def test_an_rm_gets_403_pages_naming_the_permission(console_page, live_server, bank):
    desk = console_page("lin.xiaomei", "/console/")
    for path, permission in (
        ("/console/archive", "archive.search"),
        ("/console/review", "review.read"),
        ("/console/dashboards", "dashboards.read"),
    ):
        response = desk.goto(f"{live_server.url}{path}")
        assert response.status == 403
        expect(desk.get_by_test_id("permission")).to_have_text(permission)
        expect(desk.get_by_test_id("results")).to_have_count(0)
    desk.shoot("forbidden")


def test_an_admin_reads_the_access_audit_but_not_the_archive(console_page, live_server, bank):
    desk = console_page("guan.li", "/console/audit")
    expect(desk.get_by_test_id("audit-rows")).to_be_visible()
    assert desk.goto(f"{live_server.url}/console/archive").status == 403
    assert desk.goto(f"{live_server.url}/console/status").status == 200
    expect(desk.get_by_test_id("chain-state")).to_contain_text("完整")


@pytest.mark.parametrize(
    ("userid", "sees"),
    [
        ("he.gui", {"存档检索", "合规复核", "访问审计", "词库"}),
        ("chen.hang", {"分行看板"}),
        ("zong.yunying", {"词库", "分行看板"}),
        ("guan.li", {"访问审计", "词库", "分行看板"}),
        ("lin.xiaomei", set()),
    ],
)
def test_the_nav_shows_each_role_only_the_console_pages_it_may_open(
    console_page, live_server, bank, userid, sees
):
    desk = console_page(userid, "/console/")
    nav = desk.get_by_test_id("console-nav")
    links = set(nav.locator("a").all_text_contents())
    assert links & set(CONSOLE_PAGES) == sees
