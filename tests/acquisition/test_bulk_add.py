"""Bulk add (批量加好友): HQ imports a list of phone numbers per RM, every bad row is reported by
line with its fix, the RMs add the customers in WeCom, and scrm closes each task once."""

from __future__ import annotations

import io

import pytest
from acq_names import BJ_RM, HQ, RM1, RM2
from openpyxl import Workbook
from sqlalchemy import func, select

from scrm.acquisition.bulk_add import (
    ImportRefused,
    close_tasks_by_binding,
    import_tasks,
    remind_pending_adds,
    tasks_of,
)
from scrm.acquisition.imports import ImportFileError, check_file
from scrm.acquisition.models import AddImport, AddTask
from scrm.acquisition.reports import conversion_report
from scrm.acquisition.sealing import mobile_sha256, open_mobile
from scrm.customers.services import get_customer
from scrm.db import db
from scrm.outbox.delivery import drain_outbox

LIST = """手机号,姓名,客户号,客户经理
１３８１２３４５６７８,陳美玲,CIF0001,lin.xiaomei
139 1234 5678,王小明,,wang.jianguo
12345,错号码,,lin.xiaomei
13812345678,重复的人,,wang.jianguo
13700001111,周某,,zhou.zhuli
13700002222,吴某,,nobody
,空号,,lin.xiaomei
+86 136-0000-3333,李四😀,CIF0004,zhao.bj
"""


def csv_file(text: str = LIST) -> bytes:
    return text.encode("utf-8-sig")  # as Excel saves "CSV UTF-8"


def imported(skip_bad_rows: bool = True) -> AddImport:
    batch = import_tasks(
        check_file("名单.csv", csv_file()),
        filename="名单.csv",
        imported_by=HQ,
        skip_bad_rows=skip_bad_rows,
    )
    db.session.commit()
    return batch


def task(mobile: str) -> AddTask:
    db.session.expire_all()
    return db.session.scalars(
        select(AddTask).where(AddTask.mobile_sha256 == mobile_sha256(mobile))
    ).one()


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported_without_skip(bank):
    checked = check_file("名单.csv", csv_file())
    assert checked.total == 8 and [row.line for row in checked.good] == [2, 3, 9]
    problems = dict(checked.problems)
    assert sorted(problems) == [4, 5, 6, 7, 8]
    assert "'12345' is not a mainland mobile; write 11 digits" in problems[4]
    assert problems[5] == "138****5678 is also on line 2; keep one of the two"
    assert (
        "zhou.zhuli' has no 客户联系" in problems[6] and "give the row to another RM" in problems[6]
    )
    assert "'nobody' is not a member of staff" in problems[7]
    assert problems[8] == "手机号 is empty; write the customer's 11-digit mobile"

    with pytest.raises(ImportRefused, match="5 of 8 rows have problems"):
        imported(skip_bad_rows=False)
    db.session.rollback()
    assert db.session.scalar(select(func.count(AddTask.id))) == 0

    batch = imported()
    assert (batch.rows_total, batch.rows_imported, batch.rows_skipped) == (8, 3, 5)
    again = check_file(
        "名单2.csv", csv_file("phone,name,rm_userid\n13812345678,陳美玲,wang.jianguo\n")
    )
    assert again.problems == [
        (2, "138****5678 was already imported for lin.xiaomei; remove the row")
    ]


def test_numbers_are_kept_hashed_masked_and_sealed_and_shown_only_to_their_rm(
    bank, create_bank_customer
):
    create_bank_customer("CIF0002", "王小明", mobile_sha256=mobile_sha256("13912345678"))
    imported()
    row = task("13812345678")
    assert (row.mobile_masked, row.name, row.cif_no, row.line_no) == (
        "138****5678",
        "陳美玲",
        "CIF0001",
        2,
    )
    assert (
        "13812345678" not in row.mobile_sealed and open_mobile(row.mobile_sealed) == "13812345678"
    )
    assert task("13912345678").matched_bank_customer_id is not None  # recorded, not bound
    assert task("13600003333").staff.userid == BJ_RM
    own = tasks_of(bank["staff"][RM1], reveal=True)
    assert [(t["mobile"], t["name"]) for t in own] == [("13812345678", "陳美玲")]
    assert tasks_of(bank["staff"][RM1])[0]["mobile"] == "138****5678"


def test_an_rm_adding_the_customer_by_phone_closes_their_task_once(bank, sim, scans, worker):
    imported()
    # Another RM adding the same number does not close lin.xiaomei's task.
    scans.rm_adds_customer_by_phone(RM2, "138 1234 5678", "陳美玲")
    worker()
    assert task("13812345678").status == "pending"

    added = scans.rm_adds_customer_by_phone(RM1, "13812345678", "陳美玲")
    assert worker()[0] == {"applied": 1}
    closed = task("13812345678")
    assert (closed.status, closed.completed_by) == ("added", "remark_mobile")
    assert closed.customer_id == get_customer(added.external_userid).id
    first_closed_at = closed.completed_at
    sim.pusher.push(added.plaintext, duplicate=True)
    worker()
    assert task("13812345678").completed_at == first_closed_at
    assert task("13912345678").status == "pending"  # wang.jianguo has not added his yet


def test_a_customer_later_bound_to_the_tasks_customer_number_closes_it(
    bank, sim, worker, create_bank_customer
):
    imported()
    came = sim.operator.customer_adds_rm(BJ_RM, name="李四😀")  # by QR, no number noted
    worker()
    assert task("13600003333").status == "pending"
    customer = get_customer(came.external_userid)
    create_bank_customer("CIF0004", "李四", bound_to=customer)
    db.session.commit()
    assert close_tasks_by_binding() == 1
    db.session.commit()
    assert close_tasks_by_binding() == 0
    row = task("13600003333")
    assert (row.status, row.completed_by, row.customer_id) == ("added", "cif_binding", customer.id)


def test_conversion_report_per_rm_and_per_branch(bank, scans, worker):
    imported()
    scans.rm_adds_customer_by_phone(RM1, "13812345678", "陳美玲")
    worker()
    assert conversion_report("rm") == [
        {"rm": RM1, "name": "林小美", "imported": 1, "added": 1, "pending": 0, "rate": 1.0},
        {"rm": RM2, "name": "王建国", "imported": 1, "added": 0, "pending": 1, "rate": 0.0},
        {"rm": BJ_RM, "name": "赵北京", "imported": 1, "added": 0, "pending": 1, "rate": 0.0},
    ]
    assert conversion_report("branch") == [
        {
            "branch_id": 2,
            "branch": "上海分行",
            "imported": 2,
            "added": 1,
            "pending": 1,
            "rate": 0.5,
        },
        {
            "branch_id": 4,
            "branch": "北京分行",
            "imported": 1,
            "added": 0,
            "pending": 1,
            "rate": 0.0,
        },
    ]


def test_rms_with_pending_adds_are_reminded_once_a_day_without_numbers(app_ctx, bank, sim):
    imported()
    assert remind_pending_adds() == 3
    db.session.commit()
    assert remind_pending_adds() == 0  # the same day
    db.session.commit()
    assert drain_outbox("acq-test") == {"sent": 3}
    by_rm = {m["touser"]: m["text"]["content"] for m in sim.jobs.sent_app_messages}
    assert sorted(by_rm) == sorted([RM1, RM2, BJ_RM])
    assert "您还有1位客户待添加" in by_rm[RM1] and "138" not in by_rm[RM1]


def test_an_xlsx_list_with_english_headers_imports_from_the_command_line(bank, runner, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["phone", "name", "cif_no", "rm_userid"])
    sheet.append([13812345678, "Chan Mei-ling 陳", "CIF0001", RM1])  # a number cell
    sheet.append(["13912345678", "王小明", None, RM2])
    path = tmp_path / "list.xlsx"
    book.save(path)
    result = runner.invoke(args=["scrm", "acquisition", "import", str(path), "--by", HQ])
    assert result.exit_code == 0, result.output
    assert "import #1: 2 tasks from 2 rows, 0 skipped" in result.output
    result = runner.invoke(args=["scrm", "acquisition", "tasks", "--rm", RM1])
    assert "138****5678 Chan Mei-ling 陳 CIF0001 pending" in result.output


def test_a_file_with_bad_rows_is_refused_on_the_command_line_with_each_line(bank, runner, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(csv_file())
    result = runner.invoke(args=["scrm", "acquisition", "import", str(path), "--by", HQ])
    assert result.exit_code == 1
    assert "名单.csv line 4: 手机号 '12345' is not a mainland mobile" in result.output
    assert "5 of 8 rows have problems" in result.output
    assert db.session.scalar(select(func.count(AddImport.id))) == 0
    result = runner.invoke(
        args=["scrm", "acquisition", "import", str(path), "--by", HQ, "--skip-bad-rows"]
    )
    assert result.exit_code == 0 and "3 tasks from 8 rows, 5 skipped" in result.output


def test_a_file_that_is_not_a_list_is_refused_with_the_fix(bank):
    with pytest.raises(ImportFileError, match="use a .csv or .xlsx file"):
        check_file("名单.pdf", b"%PDF")
    with pytest.raises(ImportFileError, match="line 1: no column 客户经理/rm"):
        check_file("名单.csv", csv_file("手机号,姓名\n13812345678,某人\n"))
    with pytest.raises(ImportFileError, match="not a readable .xlsx"):
        check_file("名单.xlsx", io.BytesIO(b"not a zip").getvalue())
