"""Evidence exports (证据导出): a compliance officer exports a search or a conversation as CSV or
XLSX, with the hits, the review decisions and the archive's chain check; every export needs a
reason and leaves an access-audit row; an export too large is refused before any file."""

from __future__ import annotations

import csv
import io

from console_helpers import CUSTOMER
from helpers import CSRF_HEADERS
from openpyxl import load_workbook
from sqlalchemy import select

from scrm.audit.models import AccessAudit
from scrm.compliance.review.services import claim_review_case, record_verdict
from scrm.db import db

PROMISE = "这款理财保本保收益，穩賺不賠💰"
REASON = "监管检查调阅：沪银保监2026-118号"


def export(client, **body):
    return client.post("/api/archive/exports", json=body, headers=CSRF_HEADERS)


def exports_audited() -> list[AccessAudit]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AccessAudit).where(AccessAudit.action == "export").order_by(AccessAudit.id)
        )
    )


def csv_parts(response) -> tuple[dict, list[dict]]:
    """The summary (title → value) and the message rows (key → cell) of a CSV export."""
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    gap = lines.index([])
    summary = {line[0]: line[1] for line in lines[:gap]}
    keys = [title.rsplit("(", 1)[1].rstrip(")") for title in lines[gap + 1]]
    return summary, [dict(zip(keys, line, strict=True)) for line in lines[gap + 2 :]]


def reviewed_promise(bank, gate) -> int:
    """The RM's promise, blocked by the gate; its case claimed and judged a violation."""
    message_id = gate.send(bank["rm"], PROMISE)
    case = gate.case(message_id)
    claim_review_case(case, bank["compliance"])
    record_verdict(case, bank["compliance"], "violation", "承诺保本，违反资管新规")
    db.session.commit()
    return message_id


def test_compliance_exports_a_search_as_csv_with_hits_review_and_the_chain_check(
    bank, gate, client, sign_in_as
):
    flagged = reviewed_promise(bank, gate)
    gate.send(bank["rm"], "王女士您好，ＡＢＣ稳健系列本周开放申购🧧")
    gate.index()
    sign_in_as(bank["compliance"])

    response = export(client, kind="search", query={"rm": "lin.xiaomei"}, reason=REASON)

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="archive-export-search-' in response.headers["Content-Disposition"]
    summary, rows = csv_parts(response)
    assert summary["导出原因 (reason)"] == REASON
    assert summary["导出人 (exported by)"] == "何合规 (he.gui)"
    assert summary["存档链校验 (chain)"] == "完整 intact"
    assert summary["消息条数 (messages)"] == "2"
    promise = next(r for r in rows if r["id"] == str(flagged))
    assert promise["text"] == PROMISE
    assert promise["decision"] == "block" and "保本" in promise["terms"]
    assert promise["case_status"] == "reviewed" and promise["verdict"] == "violation"
    assert promise["verdict_note"] == "承诺保本，违反资管新规"
    assert promise["assignee"] == "何合规 (he.gui)"
    assert any("ＡＢＣ稳健系列" in r["text"] for r in rows)

    [audit] = exports_audited()
    assert audit.reason == REASON and audit.staff_userid == "he.gui"
    assert audit.result_count == 2 and sorted(audit.what["message_ids"]) == sorted(
        int(r["id"]) for r in rows
    )
    assert audit.what["filters"] == {"rm": "lin.xiaomei"} and audit.what["format"] == "csv"


def test_an_xlsx_export_opens_with_openpyxl_with_a_summary_and_a_message_sheet(
    bank, gate, client, sign_in_as
):
    flagged = reviewed_promise(bank, gate)
    gate.index()
    sign_in_as(bank["compliance"])

    response = export(client, kind="search", query={"q": "保本"}, format="xlsx", reason=REASON)

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["摘要", "消息"]
    summary = {row[0]: row[1] for row in book["摘要"].iter_rows(values_only=True)}
    assert summary["导出原因 (reason)"] == REASON
    assert summary["存档链校验 (chain)"] == "完整 intact"
    header, *rows = list(book["消息"].iter_rows(values_only=True))
    assert header[0] == "存档编号 (id)" and len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["存档编号 (id)"] == flagged and row["内容 (text)"] == PROMISE
    assert row["复核结论 (verdict)"] == "violation"
    assert len(exports_audited()) == 1


def test_a_search_over_the_row_limit_is_refused_before_any_file_and_names_the_fix(
    app, bank, gate, client, sign_in_as
):
    for n in range(4):
        gate.customer(f"wmKeHu{n:04d}", bank["rm"], f"第{n}条：请问理财到期了吗？")
    gate.index()
    app.config["ARCHIVE_EXPORT_MAX_ROWS"] = 3
    sign_in_as(bank["compliance"])

    refused = export(client, kind="search", query={"q": "理财"}, reason=REASON)
    narrowed = export(
        client, kind="search", query={"q": "理财", "customer": "wmKeHu0001"}, reason=REASON
    )

    assert refused.status_code == 400
    assert "Content-Disposition" not in refused.headers
    message = refused.get_json()["error"]["message"]
    assert "more than 3 messages" in message and "narrow the range" in message
    assert narrowed.status_code == 200
    [audit] = exports_audited()  # only the export that happened
    assert audit.result_count == 1


def test_an_export_needs_a_reason_of_five_characters_and_audits_nothing_without_one(
    bank, gate, client, sign_in_as
):
    gate.send(bank["rm"], PROMISE)
    gate.index()
    sign_in_as(bank["compliance"])

    answers = [
        export(client, kind="search", query={"q": "保本"}),
        export(client, kind="search", query={"q": "保本"}, reason="  检查  "),
        export(client, kind="search", query={"q": "保本"}, reason=REASON, format="pdf"),
        export(client, kind="everything", reason=REASON),
        export(client, kind="search", query={"q": "保本 ("}, reason=REASON),
    ]

    assert [a.status_code for a in answers] == [400] * 5
    messages = [a.get_json()["error"]["message"] for a in answers]
    assert "at least 5 characters" in messages[0] and "at least 5 characters" in messages[1]
    assert "use csv or xlsx" in messages[2]
    assert '"kind" must be' in messages[3]
    assert "remove ( from the keyword" in messages[4]
    assert exports_audited() == []


def test_a_conversation_exports_both_sides_of_the_chat_around_a_message(
    bank, gate, client, sign_in_as
):
    question = gate.customer(CUSTOMER, bank["rm"], "林经理，这个产品會不會虧本？")
    flagged = gate.send(bank["rm"], PROMISE)
    other = gate.customer("wmLiXiansheng02", bank["rm"], "别的客户的消息")
    gate.index()
    sign_in_as(bank["compliance"])

    response = export(client, kind="conversation", message_id=flagged, format="csv", reason=REASON)
    missing = export(client, kind="conversation", message_id=99999, reason=REASON)

    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    summary, rows = csv_parts(response)
    assert [int(r["id"]) for r in rows] == [question, flagged]
    assert other not in [int(r["id"]) for r in rows]
    assert summary["导出类型 (kind)"] == "conversation"
    assert missing.status_code == 404
    [audit] = exports_audited()
    assert audit.what["message_ids"] == [question, flagged] and audit.what["kind"] == "conversation"


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(bank, gate, client, sign_in_as):
    gate.customer(CUSTOMER, bank["rm"], '=HYPERLINK("http://evil.example","点我领红包")')
    gate.index()
    sign_in_as(bank["compliance"])

    as_csv = export(client, kind="search", query={"customer": CUSTOMER}, reason=REASON)
    as_xlsx = export(
        client, kind="search", query={"customer": CUSTOMER}, reason=REASON, format="xlsx"
    )

    _, rows = csv_parts(as_csv)
    assert rows[0]["text"].startswith("'=HYPERLINK")
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data()))["消息"]
    cell = sheet.cell(row=2, column=11)
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_rms_and_admins_cannot_export_and_nobody_without_the_csrf_token(
    bank, gate, client, sign_in_as
):
    gate.send(bank["rm"], PROMISE)
    gate.index()
    body = {"kind": "search", "query": {"q": "保本"}, "reason": REASON}

    sign_in_as(bank["rm"])
    as_rm = export(client, **body)
    sign_in_as(bank["admin"])
    as_admin = export(client, **body)
    sign_in_as(None)
    as_nobody = export(client, **body)
    sign_in_as(bank["compliance"])
    no_token = client.post("/api/archive/exports", json=body)

    assert [as_rm.status_code, as_admin.status_code, as_nobody.status_code] == [403, 403, 401]
    assert 'permission "archive.export"' in as_rm.get_json()["error"]["message"]
    assert no_token.status_code == 403
    assert exports_audited() == []
