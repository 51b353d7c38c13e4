"""Local console accounts: ``create-admin``, the CSRF-protected login form, logout, and sessions
that end when they expire or when the person behind them goes away."""

from __future__ import annotations

import logging

from sqlalchemy import select
from web_helpers import PASSWORD, form_token, log_in

from scrm.db import db
from scrm.web.signin.models import ConsoleAccount


def test_create_admin_prompts_twice_and_never_echoes_or_stores_the_password(
    runner, app_ctx, caplog
):
    caplog.set_level(logging.DEBUG)
    result = runner.invoke(
        args=["scrm", "create-admin", "--username", "ops.admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output and PASSWORD not in caplog.text
    account = db.session.scalars(select(ConsoleAccount)).one()
    assert PASSWORD not in account.password_hash
    assert account.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert account.staff.userid == "local:ops.admin" and account.staff.role_names == {"admin"}


def test_create_admin_refuses_a_short_password_and_a_taken_name(runner, admin):
    short = runner.invoke(
        args=["scrm", "create-admin", "--username", "other", "--password-stdin"], input="短密码\n"
    )
    assert short.exit_code != 0 and "use at least 12" in short.output
    taken = runner.invoke(
        args=["scrm", "create-admin", "--username", "guanli", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert taken.exit_code != 0 and "is taken" in taken.output


def test_create_admin_can_link_a_synced_member_and_makes_them_admin(runner, app_ctx, create_staff):
    create_staff("chen.hang", "陈行长")
    db.session.commit()
    result = runner.invoke(
        args=[
            "scrm",
            "create-admin",
            "--username",
            "chen",
            "--staff",
            "chen.hang",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    account = db.session.scalars(select(ConsoleAccount)).one()
    assert account.staff.userid == "chen.hang" and "admin" in account.staff.role_names
    unknown = runner.invoke(
        args=[
            "scrm",
            "create-admin",
            "--username",
            "nobody",
            "--staff",
            "no.such",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert unknown.exit_code != 0 and "no current member of staff" in unknown.output


def test_admin_logs_in_to_the_console_and_out_again(client, admin):
    assert client.get("/console/").location == "/console/login"
    signed_in = log_in(client)
    assert signed_in.status_code == 302 and signed_in.location == "/console/"
    home = client.get("/console/").get_data(as_text=True)
    assert "本地管理员 guanli" in home and "admin" in home
    session = client.get("/api/session").get_json()
    assert session["roles"] == ["admin"] and "audit.read" in session["permissions"]
    out = client.post("/auth/logout", data={"csrf_token": form_token(client, "/console/")})
    assert out.status_code == 302
    assert "您已退出登录" in client.get(out.location).get_data(as_text=True)
    assert client.get("/api/session").get_json()["signed_in"] is False


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(client, admin):
    wrong = log_in(client, password="not-the-password-at-all")
    unknown = log_in(client, username="nobody")
    assert wrong.status_code == unknown.status_code == 401
    message = "wrong username or password, or the account is disabled"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_a_form_post_without_the_csrf_token_is_refused(client, admin):
    forged = client.post("/console/login", data={"username": "guanli", "password": PASSWORD})
    assert forged.status_code == 400
    assert "CSRF check" in forged.get_data(as_text=True)
    log_in(client)
    assert client.post("/auth/logout", data={"csrf_token": "guessed"}).status_code == 400
    assert client.get("/api/session").get_json()["signed_in"] is True


def test_disabling_an_account_ends_its_open_session(client, runner, admin):
    log_in(client)
    result = runner.invoke(args=["scrm", "disable-admin", "--username", "guanli"])
    assert result.exit_code == 0, result.output
    assert client.get("/console/").location == "/console/login"
    assert "已停用" in client.get("/console/login").get_data(as_text=True)
    assert log_in(client).status_code == 401


def test_a_member_removed_from_the_directory_is_signed_out_with_a_message(client, admin):
    log_in(client)
    admin.staff.status = 5  # 已退出企业
    db.session.commit()
    api = client.get("/api/session").get_json()
    assert api["signed_in"] is False
    assert "已退出登录" in client.get("/console/login").get_data(as_text=True)


def test_the_session_cookie_is_httponly_lax_and_secure_by_default(client, admin):
    response = log_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Expires=" in cookie
