"""Guessing local console passwords (本地管理员账号): each account locks after
``LOGIN_MAX_FAILURES`` wrong passwords in a row until an admin unlocks it (audited); one
address may post the form ``LOGIN_RATE_LIMIT`` times; every failure is in the access audit.
The form answers an unknown user, a wrong password, a disabled and a locked account alike."""

from __future__ import annotations

import re

from sqlalchemy import select
from web_helpers import PASSWORD, log_in

from scrm.audit.models import AccessAudit
from scrm.db import db

ANSWER = "用户名或密码错误，或账号已停用或锁定"


def audit_rows(action: str | None = None) -> list[AccessAudit]:
    db.session.expire_all()
    query = select(AccessAudit).order_by(AccessAudit.id)
    if action:
        query = query.where(AccessAudit.action == action)
    return list(db.session.scalars(query))


def signed_in(client) -> bool:
    return client.get("/api/session").get_json()["signed_in"]


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(app, client, admin):
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    for attempt in range(5):
        wrong = log_in(client, password=f"猜测的密码-{attempt}")
        assert wrong.status_code == 401 and ANSWER in wrong.get_data(as_text=True)

    right = log_in(client)

    assert right.status_code == 401 and ANSWER in right.get_data(as_text=True)
    assert signed_in(client) is False
    db.session.refresh(admin)
    assert admin.locked_at is not None and admin.failed_attempts >= 5
    (locked,) = audit_rows("account_locked")
    assert locked.staff_userid == "local:guanli" and locked.what["username"] == "guanli"


def test_a_right_password_before_the_limit_starts_the_count_again(client, admin):
    for _ in range(4):
        log_in(client, password="不是这个密码-1234")
    assert log_in(client).status_code == 302
    db.session.refresh(admin)
    assert admin.failed_attempts == 0 and admin.locked_at is None


def test_an_admin_unlocks_the_account_and_the_audit_says_who_and_when(app, client, runner, admin):
    for attempt in range(5):
        log_in(client, password=f"猜测的密码-{attempt}")

    result = runner.invoke(args=["scrm", "unlock-admin", "--username", "guanli", "--by", "ops.li"])

    assert result.exit_code == 0, result.output
    assert "unlocked" in result.output
    (unlocked,) = audit_rows("account_unlocked")
    assert unlocked.what == {"username": "guanli", "by": "ops.li"}
    assert unlocked.at is not None and unlocked.staff_userid == "local:guanli"
    assert log_in(client).status_code == 302
    again = runner.invoke(args=["scrm", "unlock-admin", "--username", "nobody"])
    assert again.exit_code != 0 and "no console account is named 'nobody'" in again.output


def test_every_failed_sign_in_is_in_the_access_audit_and_survives_the_refusal(client, admin):
    log_in(client, password="错误的密码-0001")
    log_in(client, username="nobody", password="我的密码其实在这里")
    admin.disabled = True
    db.session.commit()
    log_in(client)

    rows = audit_rows("login_failed")

    assert [row.what["reason"] for row in rows] == ["wrong_password", "unknown_user", "disabled"]
    assert [row.staff_userid for row in rows] == ["local:guanli", "", "local:guanli"]
    assert all(row.what["address"] == "127.0.0.1" for row in rows)
    # What was typed for an unknown user may be a password typed into the wrong field.
    assert "我的密码其实在这里" not in str(rows[1].what) and "nobody" not in str(rows[1].what)
    assert PASSWORD not in str([row.what for row in rows])


def error_of(answer) -> str:
    page = answer.get_data(as_text=True)
    return re.search(r'data-testid="login-error">([^<]*)<', page).group(1)


def test_unknown_wrong_disabled_and_locked_get_one_answer(client, runner, admin):
    answers = [log_in(client, username="nobody"), log_in(client, password="错误的密码-0002")]
    runner.invoke(
        args=["scrm", "create-admin", "--username", "second", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    runner.invoke(args=["scrm", "disable-admin", "--username", "second"])
    answers.append(log_in(client, username="second"))
    for _ in range(4):
        log_in(client, password="错误的密码-0003")
    answers.append(log_in(client))  # the right password, once the account is locked

    assert [answer.status_code for answer in answers] == [401] * 4
    assert len({error_of(answer) for answer in answers}) == 1
    assert ANSWER in error_of(answers[0]) and "scrm unlock-admin" in error_of(answers[0])


def test_one_address_may_post_the_form_only_so_often(app, client, admin):
    app.config["LOGIN_RATE_LIMIT"] = "3 per hour"
    for number in range(3):
        assert log_in(client, username=f"guess{number}").status_code == 401

    throttled = log_in(client)

    page = throttled.get_data(as_text=True)
    assert throttled.status_code == 429
    assert "登录尝试过于频繁" in page and "后再试" in page
    assert int(throttled.headers["Retry-After"]) > 0
    assert signed_in(client) is False
    other_address = app.test_client()
    answer = log_in(other_address, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert answer.status_code == 302
