"""The access audit is append-only and readable by admins and compliance: a reader cannot
erase the trace of their own reading, and an export without a reason is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from scrm.audit.models import EXPORT, SEARCH, VIEW
from scrm.audit.services import record_access
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError


@pytest.fixture
def people(app_ctx, create_department, create_staff) -> dict[str, Staff]:
    hq = create_department(1, "星河银行")
    people = {
        role: create_staff(userid, name, hq, roles=[role])
        for role, userid, name in (
            ("compliance", "he.gui", "何合规"),
            ("admin", "guan.li", "管理员"),
            ("rm", "li.na", "李娜"),
        )
    }
    db.session.commit()
    return people


@pytest.fixture
def raw_engine(app):
    """A second connection, as someone with the database password would have."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def test_audit_rows_cannot_be_updated_or_deleted(people, raw_engine):
    record_access(people["compliance"], SEARCH, {"query": "保本"}, result_count=3)
    db.session.commit()
    statements = [
        "UPDATE access_audit SET staff_userid = 'someone.else'",
        "UPDATE access_audit SET result_count = 0",
        "DELETE FROM access_audit",
    ]
    if raw_engine.dialect.name == "postgresql":
        statements.append("TRUNCATE access_audit")
    for statement in statements:
        with pytest.raises(DBAPIError, match="access_audit is append-only"):
            with raw_engine.begin() as conn:
                conn.execute(text(statement))
    with raw_engine.connect() as conn:
        row = conn.execute(text("SELECT staff_userid, result_count FROM access_audit")).one()
    assert tuple(row) == ("he.gui", 3)


def test_an_export_needs_a_reason_and_a_view_may_give_one(people):
    with pytest.raises(ScrmError, match="an export needs a reason"):
        record_access(people["compliance"], EXPORT, {"message_ids": [1]}, result_count=1)
    with pytest.raises(ScrmError, match="an export needs a reason"):
        record_access(people["compliance"], EXPORT, {"message_ids": [1]}, result_count=1,
                      reason="   ")  # fmt: skip
    row = record_access(people["compliance"], VIEW, {"message_ids": [7]}, result_count=1)
    assert row.reason is None
    exported = record_access(
        people["compliance"], EXPORT, {"message_ids": [7]}, result_count=1,
        reason="监管检查：银保监现场检查调阅",
    )  # fmt: skip
    assert exported.reason == "监管检查：银保监现场检查调阅"


def test_admins_and_compliance_read_the_log_newest_first_and_rms_get_403(
    client, people, sign_in_as
):
    for n in range(3):
        record_access(people["compliance"], SEARCH, {"query": f"稳健{n}"}, result_count=n)
    record_access(people["admin"], VIEW, {"message_ids": [1, 2]}, result_count=2,
                  reason="客户投诉 #118")  # fmt: skip
    db.session.commit()
    sign_in_as(people["admin"])
    body = client.get("/api/audit/access?limit=2").get_json()
    assert [r["what"] for r in body["records"]] == [{"message_ids": [1, 2]}, {"query": "稳健2"}]
    assert body["records"][0]["reason"] == "客户投诉 #118"
    rest = client.get(f"/api/audit/access?limit=2&before={body['next_before']}").get_json()
    assert [r["what"]["query"] for r in rest["records"]] == ["稳健1", "稳健0"]
    assert rest["next_before"] is None
    sign_in_as(people["compliance"])
    mine = client.get("/api/audit/access?staff=guan.li&action=view").get_json()["records"]
    assert [r["staff_userid"] for r in mine] == ["guan.li"]
    bad = client.get("/api/audit/access?action=delete")
    assert bad.status_code == 400 and "search, view, export" in bad.get_json()["error"]["message"]
    sign_in_as(people["rm"])
    assert client.get("/api/audit/access").status_code == 403


def test_audit_command_prints_the_newest_rows(runner, people):
    record_access(people["compliance"], SEARCH, {"query": "零风险"}, result_count=4)
    db.session.commit()
    result = runner.invoke(args=["scrm", "audit", "access", "--staff", "he.gui"])
    assert result.exit_code == 0, result.output
    assert '"query": "零风险"' in result.output and '"result_count": 4' in result.output


def test_a_cursor_beyond_a_64_bit_id_answers_400_saying_what_is_allowed(client, people, sign_in_as):
    sign_in_as(people["admin"])
    for query in ("before=99999999999999999999999", "limit=99999999999999999999999"):
        response = client.get(f"/api/audit/access?{query}")
        assert response.status_code == 400, query
        message = response.get_json()["error"]["message"]
        name, allowed = query.split("=")[0], ("2147483647", "from 1 to 200")
        assert name in message and any(bound in message for bound in allowed), message
