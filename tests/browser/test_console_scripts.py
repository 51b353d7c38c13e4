"""In a real browser, HQ ops keep the sidebar's script library (话术库) in the console: add a
script with variables (a double click adds it once), edit it, find it by a word of its body
typed in traditional characters, add and edit a link material, delete the script and meet the
API's own message when reusing its key; an RM's sidebar API shows the edited script until it
is deleted, and the RM gets the 403 page. A screenshot at 1280 px goes to tests/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from scrm.db import db
from scrm.sidebar.models import SidebarMaterial, SidebarScript

CONSOLE = {"width": 1280, "height": 900}
HQ, RM = "zong.yunying", "lin.xiaomei"
BODY = "{称呼}您好！本周{产品名称}的净值已更新，年化业绩比较基准见说明书📈 有疑问随时找{客户经理}。"
EDITED_BODY = BODY.replace("已更新", "已更新，适合稳健型客户长期配置")


@pytest.fixture
def bank(app_ctx, create_department, create_staff):
    """星河银行 → 陆家嘴支行: HQ ops 宗运营 and the RM 林小美, each able to sign in."""
    hq = create_department(1, "星河银行", in_wecom=True)
    lujiazui = create_department(3, "陆家嘴支行", hq, in_wecom=True)
    create_staff(HQ, "宗运营", hq, roles=["hq_ops"], in_wecom=True)
    create_staff(RM, "林小美", lujiazui, roles=["rm"], in_wecom=True)
    db.session.commit()


@pytest.fixture
def browser_for(console_page):
    """``browser_for(userid, path)``: a signed-in console page at 1280 px (``page.shoot``)."""
    return lambda userid, path: console_page(userid, path, viewport=CONSOLE)


def _rm_library(rm_page, live_server, query: str = "") -> list[dict]:
    """The scripts the RM's sidebar would list, straight from the API with the RM's session."""
    answer = rm_page.request.get(f"{live_server.url}/api/sidebar/scripts?q={query}")
    assert answer.status == 200, answer.text()
    return answer.json()["scripts"]


def _scripts() -> list[SidebarScript]:
    db.session.expire_all()
    return db.session.scalars(select(SidebarScript).order_by(SidebarScript.id)).all()


def test_hq_ops_keep_the_script_library_and_rms_see_the_edit_until_it_is_deleted(
    browser_for, live_server, bank
):
    ops = browser_for(HQ, "/console/scripts")
    expect(ops.get_by_test_id("console-nav").get_by_role("link", name="话术库")).to_be_visible()
    expect(ops.get_by_test_id("scripts")).to_have_attribute("data-ready", "1")
    expect(ops.get_by_test_id("script-row")).to_have_count(0)
    form = ops.get_by_test_id("script-form")

    # Add: a script with three variables; a double click on 保存 adds it once.
    ops.get_by_test_id("script-key").fill("weekly-nav")
    ops.get_by_test_id("script-category").fill("理財產品")
    ops.get_by_test_id("script-title").fill("周报：净值更新")
    ops.get_by_test_id("script-body").fill(BODY)
    ops.get_by_test_id("script-product").fill("星河稳健添利30天")
    writes = []
    ops.on("request", lambda r: writes.append(r.url) if r.method == "POST" else None)
    ops.get_by_test_id("script-save").dblclick()
    row = ops.get_by_test_id("script-row")
    expect(row).to_have_count(1)
    assert writes == [f"{live_server.url}/api/sidebar/scripts"]
    expect(ops.get_by_test_id("message")).to_have_text("已新增话术「周报：净值更新」")
    expect(row.get_by_test_id("variable")).to_have_text(["{称呼}", "{产品名称}", "{客户经理}"])
    expect(row.locator('[data-known="1"]')).to_have_count(3)
    expect(ops.get_by_test_id("category")).to_have_text(["理財產品（1）"])
    assert [s.key for s in _scripts()] == ["weekly-nav"]
    assert _scripts()[0].updated_by == HQ
    expect(row.get_by_test_id("script-updated")).to_contain_text(HQ)

    # Edit: the title and body; the form leaves edit mode and the row shows the change.
    row.get_by_test_id("script-edit").click()
    expect(form).to_have_attribute("data-mode", "edit")
    expect(ops.get_by_test_id("script-key")).to_be_disabled()
    ops.get_by_test_id("script-title").fill("周报：本周净值已更新✨")
    ops.get_by_test_id("script-body").fill(EDITED_BODY)
    ops.get_by_test_id("script-save").click()
    expect(row.get_by_test_id("script-title-cell")).to_have_text("周报：本周净值已更新✨")
    expect(row.get_by_test_id("script-text")).to_contain_text("适合稳健型客户长期配置")
    expect(form).to_have_attribute("data-mode", "add")

    # Search: a word of the body in traditional characters finds it; another word does not.
    ops.get_by_test_id("search-q").fill("穩健")
    ops.get_by_test_id("search-run").click()
    expect(ops.get_by_test_id("scripts")).to_have_attribute("data-query", "q=%E7%A9%A9%E5%81%A5")
    expect(row).to_have_count(1)
    ops.get_by_test_id("search-q").fill("黄金")
    ops.get_by_test_id("search-run").click()
    expect(row).to_have_count(0)
    ops.get_by_test_id("search-q").fill("")
    ops.get_by_test_id("search-run").click()
    expect(row).to_have_count(1)

    # The RM's sidebar API lists the edited script (and finds it by the traditional word).
    rm = browser_for(RM, "/console/")
    mine = _rm_library(rm, live_server)
    assert [(s["title"], s["body"]) for s in mine] == [("周报：本周净值已更新✨", EDITED_BODY)]
    assert [s["key"] for s in _rm_library(rm, live_server, "穩健")] == ["weekly-nav"]

    # A link material: add it, then correct its title.
    ops.get_by_test_id("material-key").fill("nav-weekly-link")
    ops.get_by_test_id("material-kind").select_option("link")
    ops.get_by_test_id("material-category").fill("理財產品")
    ops.get_by_test_id("material-title").fill("净值周报（图文）")
    expect(ops.get_by_test_id("material-appid")).to_be_hidden()
    ops.get_by_test_id("material-save").click()
    expect(ops.get_by_test_id("material-error")).to_have_text("a link material needs content.link")
    ops.get_by_test_id("material-link").fill("https://bank.example.cn/nav/weekly?id=30")
    ops.get_by_test_id("material-desc").fill("星河稳健添利30天·本周净值")
    ops.get_by_test_id("material-save").click()
    material = ops.get_by_test_id("material-row")
    expect(material).to_have_count(1)
    expect(material.get_by_test_id("material-location")).to_have_text(
        "https://bank.example.cn/nav/weekly?id=30"
    )
    material.get_by_test_id("material-edit").click()
    ops.get_by_test_id("material-title").fill("本周净值周报📰")
    ops.get_by_test_id("material-save").click()
    expect(material.get_by_test_id("material-title-cell")).to_have_text("本周净值周报📰")
    db.session.expire_all()
    saved = db.session.scalar(select(SidebarMaterial))
    assert saved.kind == "link" and saved.title == "本周净值周报📰"
    assert saved.content == {
        "link": "https://bank.example.cn/nav/weekly?id=30",
        "desc": "星河稳健添利30天·本周净值",
        "title": "本周净值周报📰",
    }
    ops.shoot("library")

    # Delete: confirmed, the row goes; the RM no longer sees it; the record stays, inactive.
    ops.once("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("script-delete").click()
    expect(row).to_have_count(0)
    assert _rm_library(rm, live_server) == []
    assert [(s.key, s.active) for s in _scripts()] == [("weekly-nav", False)]

    # Reusing the retired key: the API's own message, verbatim, beside the form.
    ops.get_by_test_id("script-key").fill("weekly-nav")
    ops.get_by_test_id("script-category").fill("理財產品")
    ops.get_by_test_id("script-title").fill("重复的编号")
    ops.get_by_test_id("script-body").fill("測試")
    ops.get_by_test_id("script-save").click()
    refusal = 'a script with key "weekly-nav" exists; edit it or pick another key'
    expect(ops.get_by_test_id("script-error")).to_have_text(refusal)
    expect(ops.get_by_test_id("message")).to_have_text(refusal)
    expect(ops.get_by_test_id("script-save")).to_be_enabled()


def test_an_rm_gets_the_403_page_for_the_script_library(browser_for, live_server, bank):
    rm = browser_for(RM, "/console/")
    expect(rm.get_by_test_id("console-nav").get_by_role("link", name="话术库")).to_have_count(0)
    response = rm.goto(f"{live_server.url}/console/scripts")
    assert response.status == 403
    expect(rm.get_by_test_id("permission")).to_have_text("scripts.manage")
    expect(rm.get_by_test_id("scripts")).to_have_count(0)
