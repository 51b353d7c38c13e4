"""Sessions the server can end (登录会话): each sign-in is a ``web_session`` row and the cookie
names it. Sign-out, a disabled account, a changed password, a revoked role and a member
leaving WeCom end every session of that person at once; an idle session and one past its
lifetime end too; a cookie that names no live session signs nobody in, whatever it carries."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from web_helpers import RM, follow_to_wecom, form_token, log_in, wecom_signs_in

from scrm.db import db, utcnow
from scrm.sessions.models import WebSession

NEW_PASSWORD = "新的-管理员-密码-2027"


def cookie_of(client) -> str:
    return client.get_cookie("session").value


def browser_with(app, cookie: str):
    """Another browser holding a copy of ``cookie`` (saved from the first, or stolen)."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def sessions() -> list[WebSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebSession).order_by(WebSession.id)))


def signed_in(client) -> bool:
    return client.get("/api/session").get_json()["signed_in"]


def test_a_cookie_saved_before_sign_out_reads_nothing_after_it(app, client, admin):
    log_in(client)
    saved = cookie_of(client)
    assert client.get("/api/audit/access").status_code == 200

    out = client.post("/auth/logout", data={"csrf_token": form_token(client, "/console/")})

    assert out.status_code == 302
    thief = browser_with(app, saved)
    assert thief.get("/api/audit/access").status_code == 401
    assert thief.get("/console/").location == "/console/login"
    assert signed_in(thief) is False
    (row,) = sessions()
    assert row.revoked_at is not None and row.revoked_reason == "signed_out"


def test_signing_out_ends_this_browser_only_unless_asked_to_end_all(app, admin):
    phone, desk, laptop = app.test_client(), app.test_client(), app.test_client()
    for browser in (phone, desk, laptop):
        log_in(browser)

    desk.post("/auth/logout", data={"csrf_token": form_token(desk, "/console/")})
    assert (signed_in(phone), signed_in(desk), signed_in(laptop)) == (True, False, True)

    everywhere = {"csrf_token": form_token(laptop, "/console/"), "everywhere": "1"}
    laptop.post("/auth/logout", data=everywhere)
    assert (signed_in(phone), signed_in(laptop)) == (False, False)
    assert "您已在另一处退出所有登录" in phone.get("/console/login").get_data(as_text=True)
    assert [row.revoked_reason for row in sessions()] == [
        "signed_out_everywhere",
        "signed_out",
        "signed_out_everywhere",
    ]


@pytest.mark.parametrize(
    "command, reason, message",
    [
        (["disable-admin", "--username", "guanli"], "account_disabled", "已停用"),
        (
            ["set-admin-password", "--username", "guanli", "--password-stdin"],
            "password_changed",
            "密码已修改",
        ),
        (["revoke-role", "local:guanli", "admin"], "role_revoked", "角色已变更"),
    ],
)
def test_an_account_change_ends_every_session_of_that_person(
    app, runner, admin, command, reason, message
):
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        log_in(browser)

    result = runner.invoke(args=["scrm", *command], input=NEW_PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    for browser in browsers:
        assert signed_in(browser) is False
        assert message in browser.get("/console/login").get_data(as_text=True)
    assert [row.revoked_reason for row in sessions()] == [reason, reason]


def test_a_changed_password_is_the_one_that_signs_in(app, runner, admin):
    result = runner.invoke(
        args=["scrm", "set-admin-password", "--username", "guanli", "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    browser = app.test_client()
    assert log_in(browser).status_code == 401
    assert log_in(browser, password=NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("how", ["deleted", "status_5"])
def test_a_member_who_leaves_wecom_loses_every_session_at_the_next_sync(
    app, runner, wecom_bank, how
):
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        assert browser.get(wecom_signs_in(follow_to_wecom(browser, "/sidebar/"), RM)).status_code
        assert signed_in(browser) is True
    if how == "deleted":
        wecom_bank.operator.delete_user(RM)
    else:
        wecom_bank.operator.update_user(RM, status=5)  # 已退出企业

    result = runner.invoke(args=["scrm", "sync"])

    assert result.exit_code == 0, result.output
    assert [row.revoked_reason for row in sessions()] == ["staff_left", "staff_left"]
    for browser in browsers:
        assert signed_in(browser) is False


def test_an_idle_session_ends_after_the_idle_timeout(app, client, admin):
    log_in(client)
    (row,) = sessions()
    row.last_seen_at = utcnow() - timedelta(seconds=app.config["SESSION_IDLE_SECONDS"] + 1)
    db.session.commit()

    assert signed_in(client) is False
    assert "长时间未操作" in client.get("/console/login").get_data(as_text=True)
    assert sessions()[0].revoked_reason == "idle"


def test_a_session_ends_after_its_lifetime_however_active(app, client, admin):
    log_in(client)
    (row,) = sessions()
    lifetime = app.permanent_session_lifetime.total_seconds()
    row.created_at = utcnow() - timedelta(seconds=lifetime + 1)
    db.session.commit()

    assert signed_in(client) is False
    assert "登录已超时" in client.get("/console/login").get_data(as_text=True)
    assert sessions()[0].revoked_reason == "expired"


def test_a_session_notes_activity_at_most_once_a_minute(client, admin):
    log_in(client)
    (row,) = sessions()
    recent = utcnow() - timedelta(seconds=30)
    row.last_seen_at = recent
    db.session.commit()
    assert signed_in(client) is True
    assert sessions()[0].last_seen_at == recent

    a_while_ago = utcnow() - timedelta(seconds=90)
    sessions()[0].last_seen_at = a_while_ago
    db.session.commit()
    assert signed_in(client) is True
    assert sessions()[0].last_seen_at > a_while_ago + timedelta(seconds=60)


def test_the_database_holds_only_a_hash_of_the_session_id(app, client, admin):
    log_in(client)
    cookie = app.session_interface.get_signing_serializer(app).loads(cookie_of(client))
    (row,) = sessions()
    assert set(cookie) == {"sid", "csrf_token", "_permanent"}
    assert row.token_hash == hashlib.sha256(cookie["sid"].encode()).hexdigest()
    assert cookie["sid"] not in (row.token_hash, str(row.id))
    assert row.staff_id == admin.staff_id and row.console_account_id == admin.id


@pytest.mark.parametrize(
    "forged",
    [
        {"staff_id": "ADMIN"},  # the cookie a sign-in wrote before sessions were rows
        {"staff_id": "ADMIN", "console_account_id": "ACCOUNT"},
        {"staff_id": "ADMIN", "signed_in_at": "NOW"},
        {"sid": "a-guessed-session-id-0000000000000000000000"},
    ],
    ids=["staff_id", "with_account", "with_signed_in_at", "guessed_sid"],
)
def test_a_cookie_that_names_no_live_session_signs_nobody_in(client, admin, forged):
    values = {"ADMIN": admin.staff_id, "ACCOUNT": admin.id, "NOW": int(time.time())}
    with client.session_transaction() as session:
        session.update({key: values.get(value, value) for key, value in forged.items()})

    assert signed_in(client) is False
    assert client.get("/api/audit/access").status_code == 401
    assert client.get("/console/").location == "/console/login"
