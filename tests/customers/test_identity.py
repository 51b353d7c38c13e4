"""机构内身份认证: an RM binds a WeCom contact to the bank's customer number after checking who
they are; changes and unbinding need a reason; every change leaves an audit row that nobody
can alter; the bank's customer records come in from a CSV or XLSX export."""

from __future__ import annotations

import hashlib

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from scrm.customers.identity.models import BankCustomer, CustomerBinding, CustomerBindingAudit
from scrm.db import db
from scrm.directory.models import Staff

MEILING = "wmIdentityMeiling01"
DAYONG = "wmIdentityDayong002"
BEIJING_GUEST = "wmIdentityBeijing03"


@pytest.fixture
def bank(
    app_ctx, create_department, create_staff, create_customer, create_bank_customer
) -> dict[str, Staff]:
    """上海分行 → 陆家嘴支行 with RM 林小美 (two customers), 北京分行 with RM 赵北京 (one),
    and three bank customer records."""
    hq = create_department(1, "星河银行")
    shanghai = create_department(2, "上海分行", hq)
    lujiazui = create_department(3, "陆家嘴支行", shanghai)
    beijing = create_department(4, "北京分行", hq)
    people = {
        "rm": create_staff("lin.xiaomei", "林小美", lujiazui, roles=["rm"], is_follow_user=True),
        "lead": create_staff("chen.hang", "陈行长", shanghai, roles=["branch_lead"]),
        "beijing_rm": create_staff("zhao.bj", "赵北京", beijing, roles=["rm"], is_follow_user=True),
    }
    for eid, name, rm in (
        (MEILING, "陳美玲", "rm"),
        (DAYONG, "赵大勇🐯", "rm"),
        (BEIJING_GUEST, "ＷＡＮＧ　Ｌｅｉ", "beijing_rm"),
    ):
        create_customer(eid, name, followed_by=[people[rm]])
    for cif, name in (("6222000011", "陈美玲"), ("6222000022", "赵大勇"), ("6222000033", "王磊")):
        create_bank_customer(cif, name, tier="gold", department_id=3)
    db.session.commit()
    return people


def put(client, token, eid, **body):
    return client.put(f"/api/customers/{eid}/binding", json=body, headers={"X-CSRF-Token": token})


def delete(client, token, eid, **body):
    return client.delete(
        f"/api/customers/{eid}/binding", json=body, headers={"X-CSRF-Token": token}
    )


def audits() -> list[tuple]:
    rows = db.session.scalars(select(CustomerBindingAudit).order_by(CustomerBindingAudit.id))
    return [(r.action, r.old_cif_no, r.new_cif_no, r.by_userid) for r in rows]


def test_rm_binds_their_customer_after_a_counter_check_and_sees_who_how_and_why(
    bank, client, sign_in_as
):
    token = sign_in_as(bank["rm"])
    answer = put(
        client, token, MEILING, cif_no="6222000011", method="counter", note="柜面流水 A-0093"
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["binding"]["cif_no"] == "6222000011"
    shown = client.get(f"/api/customers/{MEILING}/binding").get_json()
    assert shown["binding"]["method"] == "counter"
    assert shown["binding"]["verified_by"] == "lin.xiaomei"
    assert [h["action"] for h in shown["history"]] == ["bind"]


def test_a_binding_form_posted_twice_records_once(bank, client, sign_in_as):
    token = sign_in_as(bank["rm"])
    for _ in range(2):
        put(client, token, MEILING, cif_no="6222000011", method="video", request_key="form-1")
    for _ in range(2):
        answer = put(
            client,
            token,
            MEILING,
            cif_no="6222000022",
            method="counter",
            reason="客户号录错，柜面重新核验",
            request_key="form-2",
        )
        assert answer.status_code == 200
    assert audits() == [
        ("bind", None, "6222000011", "lin.xiaomei"),
        ("change", "6222000011", "6222000022", "lin.xiaomei"),
    ]


def test_changing_or_unbinding_needs_a_reason(bank, client, sign_in_as):
    token = sign_in_as(bank["rm"])
    put(client, token, MEILING, cif_no="6222000011", method="mobile_sms")
    no_reason = put(client, token, MEILING, cif_no="6222000022", method="counter")
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["error"]["message"]
    assert delete(client, token, MEILING).status_code == 400
    gone = delete(client, token, MEILING, reason="客户要求解除绑定")
    assert gone.status_code == 200 and gone.get_json()["binding"] is None
    assert audits()[-1] == ("unbind", "6222000011", None, "lin.xiaomei")


def test_a_customer_number_bound_to_another_contact_is_named_unless_moved(bank, client, sign_in_as):
    token = sign_in_as(bank["rm"])
    put(client, token, MEILING, cif_no="6222000011", method="counter")
    taken = put(client, token, DAYONG, cif_no="6222000011", method="counter")
    assert taken.status_code == 409
    assert f"陳美玲 ({MEILING})" in taken.get_json()["error"]["message"]
    moved = put(
        client,
        token,
        DAYONG,
        cif_no="6222000011",
        method="counter",
        move=True,
        reason="同一客户换了微信号",
    )
    assert moved.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(CustomerBinding)) == 1
    assert audits()[-2:] == [
        ("unbind", "6222000011", None, "lin.xiaomei"),
        ("bind", None, "6222000011", "lin.xiaomei"),
    ]


def test_an_rm_cannot_bind_or_see_another_rms_customer(bank, client, sign_in_as):
    token = sign_in_as(bank["rm"])
    answer = put(client, token, BEIJING_GUEST, cif_no="6222000033", method="counter")
    assert answer.status_code == 404  # as for an unknown contact: existence never leaks
    assert client.get(f"/api/customers/{BEIJING_GUEST}/binding").status_code == 404
    sign_in_as(bank["lead"])  # 上海 branch lead: 陆家嘴 customers yes, 北京 no
    assert client.get(f"/api/customers/{MEILING}/binding").status_code == 200
    assert client.get(f"/api/customers/{BEIJING_GUEST}/binding").status_code == 404
    assert audits() == []


def test_binding_audit_rows_cannot_be_changed_or_deleted(bank, client, sign_in_as):
    token = sign_in_as(bank["rm"])
    put(client, token, MEILING, cif_no="6222000011", method="counter")
    for statement in (
        "UPDATE customer_binding_audit SET reason = '改掉'",
        "DELETE FROM customer_binding_audit",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert len(audits()) == 1


def write_csv(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return str(path)


HEADER = "客户号,姓名,手机号,客户等级,资产规模,风险等级,客户类型,归属机构"


def test_importing_bank_customers_checks_every_line_then_upserts_by_customer_number(
    bank, runner, tmp_path
):
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            '6222000044,周杰,1380013800,钻石客户,120万,C3,"代发、理财",3',
            "6222000055,,13800138000,金卡客户,5000,C9,房贷,99",
        ],
    )
    result = runner.invoke(args=["scrm", "customers", "import-bank-customers", bad])
    assert result.exit_code != 0
    assert "line 2: 手机号 '1380013800' must be an 11-digit" in result.output
    assert "line 3: 姓名 is empty" in result.output
    assert db.session.scalar(select(func.count()).select_from(BankCustomer)) == 3

    good = write_csv(
        tmp_path / "good.csv",
        [
            HEADER,
            '6222000044,周杰倫,138 0013 8000,钻石客户,120万,c3,"代发、理财,信用卡",3',
            "6222000011,陈美玲,13900001111,私行客户,3500万,C5,理财,2",
        ],
    )
    result = runner.invoke(args=["scrm", "customers", "import-bank-customers", good])
    assert result.exit_code == 0, result.output
    assert "1 new, 1 updated" in result.output
    db.session.expire_all()
    zhou = db.session.scalar(select(BankCustomer).where(BankCustomer.cif_no == "6222000044"))
    assert zhou.mobile_masked == "138****8000"
    assert zhou.mobile_sha256 == hashlib.sha256(b"13800138000").hexdigest()
    assert (zhou.tier, zhou.aum_band, zhou.risk_level) == ("diamond", "500k_6m", "C3")
    assert sorted(t.type for t in zhou.types) == ["credit_card", "payroll", "wealth"]
    chen = db.session.scalar(select(BankCustomer).where(BankCustomer.cif_no == "6222000011"))
    assert (chen.tier, chen.aum_band, chen.department_id) == ("private", "ge_30m", 2)


def test_importing_an_xlsx_export(bank, runner, tmp_path):
    book = Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(
        ["6222000066", "歐陽娜娜", "13700001234", "白金客户", "60万", "C2", "社保卡", 3]
    )
    book.save(tmp_path / "export.xlsx")
    result = runner.invoke(
        args=["scrm", "customers", "import-bank-customers", str(tmp_path / "export.xlsx")]
    )
    assert result.exit_code == 0, result.output
    nana = db.session.scalar(select(BankCustomer).where(BankCustomer.cif_no == "6222000066"))
    assert (nana.name, nana.tier, nana.aum_band) == ("歐陽娜娜", "platinum", "500k_6m")


def test_cli_binds_unbinds_and_shows_the_history(bank, runner):
    bind = ["scrm", "customers", "bind", MEILING, "6222000011", "--method", "counter"]
    assert runner.invoke(args=[*bind, "--by", "lin.xiaomei"]).exit_code == 0
    wrong = runner.invoke(
        args=[
            "scrm",
            "customers",
            "bind",
            BEIJING_GUEST,
            "6222000033",
            "--method",
            "counter",
            "--by",
            "lin.xiaomei",
        ]
    )
    assert wrong.exit_code != 0 and "among yours" in wrong.output
    unbind = runner.invoke(
        args=["scrm", "customers", "unbind", MEILING, "--by", "lin.xiaomei", "--reason", "客户销户"]
    )
    assert unbind.exit_code == 0, unbind.output
    history = runner.invoke(args=["scrm", "customers", "binding-history", MEILING])
    lines = history.output.strip().splitlines()
    assert len(lines) == 2 and "bind - → 6222000011" in lines[0] and "客户销户" in lines[1]
