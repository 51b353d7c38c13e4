"""In a real browser: an RM opens the sidebar beside a customer (edits a tag, adds a note,
sends a script that passes, one that warns and one that blocks, checks a draft), beside a
customer group (completes today's SOP to-do with one tap), beside another RM's customer
(a clear message, no data), and outside a chat. Screenshots at 390 px go to tests/artifacts/.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from playwright.sync_api import expect
from sidebar_names import BEIJING_CUSTOMER, CUSTOMER, LIN, SOP_TEXT
from sqlalchemy import select

from scrm.archive.chain.models import ArchivedMessage
from scrm.customers.notes.models import CustomerNote
from scrm.db import db
from scrm.sop.models import SopTask

WARN_TEXT = "王总，这是目前最好的配置时机之一，您可以考虑一下。"
BLOCK_TEXT = "王总放心，這款產品保本保息，穩賺不賠！"
LUJIAZUI = "上海市浦东新区陆家嘴环路 1000 号星河银行陆家嘴支行一楼大厅"


@pytest.fixture
def app_config(app_config):
    """Give up on the WeCom client sooner than in production (8 s), to keep the run short."""
    return app_config | {"SIDEBAR_BRIDGE_WAIT_MS": 1500}


@pytest.fixture
def bank(sidebar_bank):
    """The sidebar's bank (tests/conftest.py)."""
    return sidebar_bank


def _open(page, live_server, **query) -> None:
    sidebar = "/sidebar/app/?" + urlencode({"demo": 1, **query})
    _sign_in_as_lin(page, live_server, sidebar)


def _sent(page) -> list:
    return page.evaluate("() => window.__SCRM_DEMO_SENT__")


def _sidebar_rows():
    db.session.expire_all()
    return db.session.scalars(
        select(ArchivedMessage)
        .where(ArchivedMessage.origin == "sidebar")
        .order_by(ArchivedMessage.id)
    ).all()


def test_rm_works_beside_a_customer_in_a_single_chat(page, live_server, bank, sim, screenshot):
    _open(page, live_server, entry="single_chat_tools", external_userid=CUSTOMER)
    q = page.get_by_test_id
    expect(q("customer-name")).to_have_text("王建國🌸")
    expect(q("customer-remark")).to_have_text("备注：王总")
    expect(q("customer-facts")).to_contain_text("私行客户")
    expect(q("customer-facts")).to_contain_text("C3")
    expect(q("customer-groups")).to_contain_text("陆家嘴·理财沙龙群")
    expect(q("message")).to_have_count(2)
    expect(q("customer-todo")).to_have_count(1)
    expect(page.locator('[data-count="sop_tasks"]')).to_have_text("1")
    screenshot("customer")

    # Tags: add 保险; the change reaches WeCom through mark_tag.
    q("edit-tags").click()
    page.locator("label.sb-choice", has_text="保险").locator("input").check()
    q("save-tags").click()
    expect(q("customer-tags")).to_contain_text("保险")
    assert len(sim.calls_to("externalcontact/mark_tag")) == 1
    assert set(sim.corp.follows[(LIN, CUSTOMER)].tag_ids) == {
        bank["interest"][0],
        bank["interest"][1],
    }

    # Notes: add one, then edit it.
    q("note-text").fill("王总关注三年期大額存單，下周回访📞")
    q("add-note").click()
    expect(q("note").first).to_contain_text("王总关注三年期大額存單")
    q("edit-note").first.click()
    q("note-edit-text").fill("王总关注三年期大额存单，已约周三到网点")
    q("save-note").click()
    expect(q("note").first).to_contain_text("已约周三到网点")
    db.session.expire_all()
    assert [n.text for n in db.session.scalars(select(CustomerNote))] == [
        "王总关注三年期大额存单，已约周三到网点"
    ]

    # A script that passes: filled for 王总, sent through the bridge, archived as pass.
    q("tab-scripts").click()
    q("script-search").fill("沙龍")
    salon = page.locator('[data-key="event_salon_invite"]')
    expect(salon).to_contain_text("王总您好，本周六下午 14:00 我们在" + LUJIAZUI)
    screenshot("scripts")
    salon.get_by_test_id("script-use").click()
    filled = q("composer-text").input_value()
    assert filled.startswith("王总您好") and "{" not in filled
    q("composer-send").click()
    expect(q("composer-verdict")).to_contain_text("已发送")
    assert _sent(page) == [{"msgtype": "text", "text": {"content": filled}}]
    (row,) = _sidebar_rows()
    assert (row.decision, row.outcome, row.text, row.recipients) == (
        "pass",
        "released",
        filled,
        [CUSTOMER],
    )

    # A text that warns: the reasons, a reason required, then sent and archived with it.
    q("composer-text").fill(WARN_TEXT)
    q("composer-send").click()
    expect(q("composer-verdict")).to_contain_text("需确认")
    expect(q("composer-verdict")).to_contain_text("“最好”")
    expect(q("composer-confirm")).to_be_visible()
    q("confirm-send").click()  # no reason yet: nothing happens
    assert len(_sent(page)) == 1
    screenshot("composer-warn")
    q("confirm-reason").fill("客户主动询问配置建议，已提示风险")
    q("confirm-send").click()
    expect(q("composer-verdict")).to_contain_text("已发送")
    assert _sent(page)[-1] == {"msgtype": "text", "text": {"content": WARN_TEXT}}
    warned = _sidebar_rows()[1:]
    assert [(r.outcome, r.confirmed_reason) for r in warned] == [
        ("awaiting_confirmation", None),
        ("released", "客户主动询问配置建议，已提示风险"),
    ]

    # A text that blocks: the exact words and why; nothing is sent.
    q("composer-text").fill(BLOCK_TEXT)
    q("composer-send").click()
    expect(q("composer-verdict")).to_contain_text("拦截")
    expect(q("composer-verdict")).to_contain_text("“保本”")
    expect(q("composer-verdict")).to_contain_text("承诺收益/保本")
    expect(q("composer-verdict")).to_contain_text("未发送任何内容")
    screenshot("composer-block")
    assert len(_sent(page)) == 2
    assert _sidebar_rows()[-1].outcome == "blocked"

    # Checking a draft shows the verdict and archives nothing.
    q("composer-close").click()
    q("tab-check").click()
    q("check-text").fill(BLOCK_TEXT)
    q("check-run").click()
    expect(q("check-verdict")).to_contain_text("“穩賺”")
    screenshot("check")
    assert len(_sidebar_rows()) == 4


def test_rm_completes_todays_sop_to_do_from_the_group_chat(page, live_server, bank, screenshot):
    _open(page, live_server, entry="group_chat_tools", chat_id=bank["chat_id"])
    q = page.get_by_test_id
    expect(q("group-name")).to_have_text("陆家嘴·理财沙龙群")
    expect(q("group-members")).to_contain_text("成员 3 人（客户 2）")
    expect(q("group-roles")).to_contain_text("群主、理财经理")
    expect(q("group-task")).to_contain_text(SOP_TEXT)
    screenshot("group")
    q("task-send").click()
    assert q("composer-text").input_value() == SOP_TEXT
    q("composer-send").click()
    expect(q("task-status")).to_have_text("已完成")
    expect(page.locator('[data-count="sop_tasks"]')).to_have_text("0")
    assert _sent(page) == [{"msgtype": "text", "text": {"content": SOP_TEXT}}]
    (row,) = _sidebar_rows()
    assert (row.channel, row.chat_ids, row.decision) == ("group", [bank["chat_id"]], "pass")
    db.session.expire_all()
    task = db.session.get(SopTask, bank["task_id"])
    assert (task.status, task.archived_message_id) == ("done", row.id)
    screenshot("group-done")


def test_another_rms_customer_gets_a_clear_message_and_no_data(page, live_server, bank, screenshot):
    _open(page, live_server, entry="single_chat_tools", external_userid=BEIJING_CUSTOMER)
    notice = page.get_by_test_id("sidebar-notice")
    expect(notice).to_contain_text("不是您本人服务的客户")
    expect(page.get_by_test_id("customer-view")).to_be_hidden()
    expect(page.get_by_test_id("tab-customer")).to_be_hidden()
    expect(page.get_by_test_id("script-use")).to_have_count(0)  # nobody to send to
    assert "李女士" not in page.content()
    screenshot("not-my-customer")


def test_opened_outside_a_chat_the_sidebar_says_where_to_open_it(
    page, live_server, bank, screenshot
):
    _open(page, live_server, entry="normal")
    expect(page.get_by_test_id("sidebar-notice")).to_contain_text("工具栏打开侧边栏")
    expect(page.get_by_test_id("script-library")).to_be_visible()
    screenshot("outside-chat")


def test_a_js_sdk_signature_failure_is_explained_on_the_page(
    page, live_server, bank, sim, screenshot, caplog
):
    sim.faults.inject("get_jsapi_ticket", errcode=48002)
    _open_in_plain_browser(page, live_server)
    notice = page.get_by_test_id("sidebar-notice")
    expect(notice).to_contain_text("企业微信 JS 接口签名失败")
    expect(notice).to_contain_text("errcode 48002")
    expect(page.get_by_test_id("script-library")).to_be_visible()
    screenshot("js-sdk-failure")
    assert "sidebar problem for lin.xiaomei: jssdk_signature" in caplog.text


def test_opened_in_a_plain_browser_the_page_says_to_open_it_in_wecom(
    page, live_server, bank, screenshot, caplog
):
    _open_in_plain_browser(page, live_server)
    expect(page.get_by_test_id("sidebar-notice")).to_contain_text(
        "请在企业微信聊天工具栏中打开本页"
    )
    screenshot("outside-wecom")
    assert "sidebar problem for lin.xiaomei: outside_wecom" in caplog.text


def _open_in_plain_browser(page, live_server) -> None:
    # No ?demo=1: the page loads the official @wecom/jssdk, as in production.
    _sign_in_as_lin(page, live_server, "/sidebar/app/?entry=single_chat_tools")


def _sign_in_as_lin(page, live_server, sidebar: str) -> None:
    # 林小美 picks herself on the simulator's WeCom sign-in page, then the sidebar opens.
    page.goto(f"{live_server.url}/auth/wecom/start?next={quote(sidebar, safe='')}")
    page.locator(f'a[data-userid="{LIN}"]').click()
    page.wait_for_function("() => window.__SCRM_SIDEBAR_READY__")  # a function: eval is refused
