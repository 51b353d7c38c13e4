"""Browser sessions for the sidebar and console: starting one, checking it before each request,
ending it (this browser, or every browser of the person), and the CSRF check on our HTML forms.

A sign-in is a row on the server (:mod:`scrm.sessions`); the signed cookie carries only its
random id and the CSRF token. Before each request :func:`check_session` looks the row up and
tells :mod:`scrm.auth` whose it is — or ends it, keeping a message that says why, when it is
unknown, ended, idle past ``SESSION_IDLE_SECONDS``, older than ``PERMANENT_SESSION_LIFETIME``,
or its member of staff left or its local account was disabled.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import current_app, redirect, render_template, request, session, url_for

from scrm.auth import csrf_token, current_staff, identify, new_csrf_token
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.sessions import models as reasons
from scrm.sessions.services import (
    end_session,
    end_sessions_of,
    find_session,
    note_activity,
    open_session,
    session_problem,
)
from scrm.web.signin.models import ConsoleAccount

_SESSION_ID = "sid"
_REASON = "signed_out_reason"
# What a cookie may have carried before sessions were rows; dropped wherever it is met.
_OLD_IDENTITY_KEYS = ("staff_id", "console_account_id", "signed_in_at")

SIGNED_OUT = "您已退出登录。 (You signed out.)"
EXPIRED = "登录已超时，请重新登录。 (Your session expired; sign in again.)"
STALE = (
    "您的账号已停用、离职或被移出通讯录，已退出登录。"
    " (You were signed out: your account was disabled, or you left the bank.)"
)
#: What the next page says, by why the session ended (scrm.sessions.models reasons).
MESSAGES = {
    reasons.SIGNED_OUT_EVERYWHERE: (
        "您已在另一处退出所有登录。 (You signed out everywhere from another browser.)"
    ),
    reasons.EXPIRED: EXPIRED,
    reasons.ACCOUNT_DISABLED: STALE,
    reasons.STAFF_LEFT: STALE,
    reasons.ROLE_REVOKED: (
        "您的角色已变更，已退出登录，请重新登录。 (Your roles changed, so you were signed out; "
        "sign in again.)"
    ),
    reasons.PASSWORD_CHANGED: (
        "账号密码已修改，已退出登录，请用新密码登录。 (The account's password was changed; sign "
        "in with the new one.)"
    ),
}
UNKNOWN = "登录状态已失效，请重新登录。 (This sign-in is no longer valid; sign in again.)"


def _idle_message() -> str:
    minutes = round(current_app.config["SESSION_IDLE_SECONDS"] / 60)
    return (
        f"长时间未操作（{minutes} 分钟），已自动退出登录，请重新登录。"
        f" (You were signed out after {minutes} minutes without activity; sign in again.)"
    )


def start_session(staff: Staff, account: ConsoleAccount | None = None) -> None:
    """Sign ``staff`` in for this browser: a new session row, a fresh cookie and CSRF token.

    :param account: the local console account used, if any.
    """
    token = open_session(staff.id, console_account_id=account.id if account else None)
    session.clear()
    session.permanent = True  # the cookie expires with PERMANENT_SESSION_LIFETIME
    session[_SESSION_ID] = token
    new_csrf_token()
    identify(staff.id)


def sign_out(*, everywhere: bool = False) -> None:
    """End this browser's session (``everywhere``: every session of the same person) and
    forget everything this browser held (the sign-in page is told by its link)."""
    row = find_session(session.get(_SESSION_ID))
    if row is not None and row.revoked_at is None:
        if everywhere:
            end_sessions_of(row.staff_id, reasons.SIGNED_OUT_EVERYWHERE)
        else:
            end_session(row, reasons.SIGNED_OUT)
    session.clear()
    identify(None)


def end_session_with(message: str) -> None:
    """Forget who is signed in, keeping the CSRF token and a message for the next page."""
    _forget_identity()
    session[_REASON] = message


def _forget_identity() -> None:
    for key in (_SESSION_ID, *_OLD_IDENTITY_KEYS):
        session.pop(key, None)
    identify(None)


def pop_signed_out_reason() -> str | None:
    """The reason this browser was signed out, shown once."""
    return session.pop(_REASON, None)


def wecom_sign_in_first():
    """For a sidebar page opened by nobody signed in: the page saying why a session ended, or
    the redirect into WeCom OAuth that comes back here. ``None`` when someone is signed in."""
    if current_staff() is not None:
        return None
    reason = pop_signed_out_reason()
    if reason:
        return render_template("web/error.html", message=reason, retry=request.full_path)
    return redirect(url_for("web_auth.wecom_start", next=request.full_path))


def check_session() -> None:
    """Before each request: identify the member of staff whose live session the cookie names,
    or end the session (with the reason for the next page) — nobody is signed in otherwise."""
    identify(None)
    token = session.get(_SESSION_ID)
    if token is None:
        if any(key in session for key in _OLD_IDENTITY_KEYS):
            end_session_with(UNKNOWN)  # an identity without a session row is never trusted
        return
    row = find_session(token)
    if row is None:
        end_session_with(UNKNOWN)
        return
    config = current_app.config
    problem = session_problem(
        row,
        idle=timedelta(seconds=config["SESSION_IDLE_SECONDS"]),
        lifetime=current_app.permanent_session_lifetime,
    )
    if problem is None:
        identify(row.staff_id)
        problem = _person_problem(row.console_account_id)
    if problem is None:
        note_activity(row)
    elif problem == reasons.SIGNED_OUT:
        # Signed out here: a copy of the old cookie gets exactly what a signed-out browser gets.
        _forget_identity()
    else:
        end_session(row, problem)
        end_session_with(_idle_message() if problem == reasons.IDLE else MESSAGES[problem])


def _person_problem(account_id: int | None) -> str | None:
    # Belt and braces: leaving the bank and disabling an account end the sessions when they
    # happen; this also catches a change made by other means (a database edit, an old row).
    if current_staff() is None:
        return reasons.STAFF_LEFT
    if account_id is not None:
        account = db.session.get(ConsoleAccount, account_id)
        if account is None or account.disabled:
            return reasons.ACCOUNT_DISABLED
    return None


def check_form_csrf() -> None:
    """Refuse a form POST whose ``csrf_token`` field is not this session's token."""
    if request.method != "POST":
        return
    sent, expected = request.form.get("csrf_token", ""), session.get("csrf_token")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ScrmError(
            "this form is out of date or was not sent from our page (CSRF check); reload the "
            "page and send it again",
            status_code=400,
        )


def form_token() -> str:
    """The CSRF token our forms carry in a hidden ``csrf_token`` field."""
    return csrf_token()
