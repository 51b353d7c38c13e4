"""In a real browser, a compliance officer's day in the console: search the archive (hits
marked, a malformed query explained), open the conversation, export it with a reason (the file
downloads; the access audit has the row), and review the case: claim, then a verdict."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from scrm.audit.models import AccessAudit
from scrm.compliance.review.cases import find_review_case
from scrm.compliance.review.models import ReviewEvent
from scrm.db import db

REASON = "客户投诉核查 TS-2026-031"


@pytest.fixture
def bank(console_bank):
    return console_bank


def test_compliance_searches_opens_the_conversation_and_exports_it_with_a_reason(
    console_page, live_server, bank
):
    desk = console_page("he.gui", "/console/archive")
    desk.get_by_test_id("q").fill("保本 (")
    desk.get_by_test_id("search").click()
    expect(desk.get_by_test_id("message")).to_contain_text("remove ( from the keyword")

    desk.get_by_test_id("q").fill("保本")
    desk.locator("select[name=channel]").select_option("single")
    desk.get_by_test_id("search").click()
    row = desk.locator(f'[data-testid=result][data-id="{bank["promise"]}"]')
    expect(row.locator("mark").first).to_be_visible()
    expect(row).to_contain_text("穩賺不賠💰")
    expect(desk.get_by_test_id("message")).to_be_hidden()
    desk.shoot("search")

    row.get_by_test_id("open-conversation").click()
    expect(desk.get_by_test_id("focus-message")).to_contain_text("穩賺不賠")
    expect(desk.get_by_test_id("conversation-about")).to_contain_text("lin.xiaomei")

    desk.get_by_test_id("export-conversation").click()
    desk.get_by_test_id("reason-input").fill("查")  # too short: the dialog refuses it
    desk.get_by_test_id("reason-ok").click()
    expect(desk.get_by_test_id("reason-dialog")).to_be_visible()
    desk.get_by_test_id("reason-input").fill(REASON)
    with desk.expect_download() as download_info:
        desk.get_by_test_id("reason-ok").click()
    download = download_info.value
    assert re.fullmatch(
        r"archive-export-conversation-\d{8}T\d{6}Z\.csv", download.suggested_filename
    )
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and bank["promise_text"].encode() in content
    assert REASON.encode() in content
    expect(desk.get_by_test_id("message")).to_contain_text("已导出")
    desk.shoot("conversation-exported")

    db.session.expire_all()
    exports = db.session.scalars(select(AccessAudit).where(AccessAudit.action == "export")).all()
    assert [(a.staff_userid, a.reason) for a in exports] == [("he.gui", REASON)]
    assert bank["promise"] in exports[0].what["message_ids"]

    desk.goto(f"{live_server.url}/console/audit")
    expect(desk.locator('[data-testid=audit-row][data-action="export"]')).to_contain_text(REASON)


def test_compliance_claims_a_case_and_gives_a_verdict(console_page, live_server, bank):
    case = find_review_case(bank["promise"])
    desk = console_page("he.gui", "/console/review")
    expect(desk.get_by_test_id("sla")).to_contain_text("待处理 1")
    listed = desk.locator(f'[data-testid=case][data-id="{case.id}"]')
    expect(listed.get_by_test_id("case-status")).to_have_text("待认领")
    desk.shoot("queue")
    listed.get_by_test_id("open-case").click()

    expect(desk.get_by_test_id("case-message").locator("mark").first).to_be_visible()
    desk.get_by_test_id("claim").dblclick()  # a double click claims once
    expect(desk.get_by_test_id("status")).to_have_text("处理中")
    expect(desk.get_by_test_id("assignee")).to_have_text("何合规")
    desk.get_by_test_id("give-verdict").click()  # a violation needs a note
    expect(desk.get_by_test_id("message")).to_contain_text("note")
    desk.get_by_test_id("verdict").select_option("violation")
    desk.get_by_test_id("note").fill("承诺保本保收益，违反资管新规")
    desk.get_by_test_id("give-verdict").click()
    expect(desk.get_by_test_id("status")).to_have_text("已复核")
    expect(desk.get_by_test_id("case-verdict")).to_have_text("违规")
    expect(desk.get_by_test_id("history")).to_contain_text("承诺保本保收益，违反资管新规")
    desk.shoot("case-reviewed")

    db.session.expire_all()
    case = find_review_case(bank["promise"])
    assert (case.status, case.verdict) == ("reviewed", "violation")
    history = desk.get_by_test_id("history-entry").all_text_contents()
    assert sum(" claim " in entry for entry in history) == 1


def test_compliance_pages_through_a_search_and_exports_every_page_as_xlsx(
    console_page, live_server, bank
):
    desk = console_page("he.gui", "/console/archive")
    desk.locator("input[name=rm]").fill("lin.xiaomei")
    desk.get_by_test_id("limit").select_option("10")
    desk.get_by_test_id("search").click()
    expect(desk.get_by_test_id("result")).to_have_count(10)
    desk.get_by_test_id("more").click()
    expect(desk.get_by_test_id("more")).to_be_hidden()
    total = desk.get_by_test_id("result").count()
    assert total > 10
    ids = [
        int(i)
        for i in desk.get_by_test_id("result").evaluate_all("rs => rs.map(r => r.dataset.id)")
    ]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == total  # newest first, no repeats

    desk.get_by_test_id("export-format").select_option("xlsx")
    desk.get_by_test_id("export-search").click()
    desk.get_by_test_id("reason-cancel").click()  # cancelled: nothing exported
    expect(desk.get_by_test_id("reason-dialog")).to_have_count(0)
    desk.get_by_test_id("export-search").click()
    desk.get_by_test_id("reason-input").fill(REASON)
    with desk.expect_download() as download_info:
        desk.get_by_test_id("reason-ok").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert len(list(book["消息"].iter_rows())) == total + 1  # every page, plus the header
    db.session.expire_all()
    [audit] = db.session.scalars(select(AccessAudit).where(AccessAudit.action == "export")).all()
    assert audit.result_count == total and audit.what["filters"] == {"rm": "lin.xiaomei"}


def test_compliance_marks_cases_false_positive_in_bulk_once_and_proposes_an_allow_phrase(
    console_page, live_server, bank, send_through_gate
):
    second = send_through_gate("李女士，本产品保本保收益吗？请以合同为准", "wmLiNvShi02")
    cases = [find_review_case(bank["promise"]).id, find_review_case(second).id]
    desk = console_page("he.gui", "/console/review")
    for case_id in cases:
        desk.locator(f'[data-testid=case][data-id="{case_id}"] input[type=checkbox]').check()
    desk.locator("#bulk-form input[name=note]").fill("正常产品问答，误报")
    desk.get_by_test_id("bulk-false-positive").dblclick()  # twice: marked once
    expect(desk.get_by_test_id("message")).to_contain_text("已标记 2 条为误报")
    desk.locator("select[name=status]").select_option("reviewed")
    desk.get_by_test_id("filter").click()
    expect(desk.get_by_test_id("case-status")).to_have_text(["已复核", "已复核"])
    desk.shoot("bulk-false-positive")

    desk.locator(f'[data-testid=case][data-id="{cases[1]}"]').get_by_test_id("open-case").click()
    expect(desk.get_by_test_id("case-verdict")).to_have_text("误报")
    desk.locator("#allow-form input[name=phrase]").fill("保本保收益吗")
    desk.get_by_test_id("propose-allow").click()
    expect(desk.get_by_test_id("proposals")).to_contain_text("保本保收益吗")
    db.session.expire_all()
    assert [find_review_case(m).verdict for m in (bank["promise"], second)] == [
        "false_positive",
        "false_positive",
    ]
    reviewed = db.session.scalars(
        select(ReviewEvent.case_id).where(ReviewEvent.to_status == "reviewed")
    ).all()
    assert sorted(reviewed) == sorted(cases)  # each case judged once
