"""Browser sessions for the sidebar and console: starting one, ending it on expiry or when the
member (or local account) behind it goes away, and the CSRF check on our HTML forms.

Identity itself is :mod:`scrm.auth`'s (``staff_id`` in the signed session cookie). This adds
what a browser needs around it: an absolute lifetime (``PERMANENT_SESSION_LIFETIME`` from
sign-in, however active), and a message telling why someone was signed out.
"""

from __future__ import annotations

import hmac
import time

from flask import current_app, redirect, render_template, request, session, url_for

from scrm.auth import csrf_token, current_staff, sign_in
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.web.signin.models import ConsoleAccount

_SIGNED_IN_AT = "signed_in_at"
_ACCOUNT = "console_account_id"
_REASON = "signed_out_reason"
_IDENTITY_KEYS = ("staff_id", _ACCOUNT, _SIGNED_IN_AT)

EXPIRED = "登录已超时，请重新登录。 (Your session expired; sign in again.)"
STALE = (
    "您的账号已停用、离职或被移出通讯录，已退出登录。"
    " (You were signed out: your account was disabled, or you left the bank.)"
)


def start_session(staff: Staff, account: ConsoleAccount | None = None) -> None:
    """Sign ``staff`` in for this browser (fresh session and CSRF token; cookie expires)."""
    sign_in(staff)
    session.permanent = True
    session[_SIGNED_IN_AT] = int(time.time())
    if account is not None:
        session[_ACCOUNT] = account.id


def end_session_with(reason: str) -> None:
    """Forget who is signed in, keeping the CSRF token and a reason to show on the next page."""
    for key in _IDENTITY_KEYS:
        session.pop(key, None)
    session[_REASON] = reason


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


def end_stale_session() -> None:
    """Before each request: sign out a session that expired, or whose member of staff left or
    was removed, or whose local account was disabled."""
    if "staff_id" not in session:
        return
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    signed_in_at = session.get(_SIGNED_IN_AT)
    if isinstance(signed_in_at, int) and time.time() - signed_in_at > lifetime:
        end_session_with(EXPIRED)
        return
    account_id = session.get(_ACCOUNT)
    account = db.session.get(ConsoleAccount, account_id) if account_id else None
    if current_staff() is None or (account_id and (account is None or account.disabled)):
        end_session_with(STALE)


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
