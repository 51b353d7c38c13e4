"""Sign-in and sign-out pages: WeCom OAuth (sidebar), WeCom web login (console), the local
account form (console, throttled per address), and logout. Every form POST here carries the
session's CSRF token."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded

from scrm.errors import ScrmError
from scrm.web.signin import oauth, sessions, throttle
from scrm.web.signin.accounts import AccountError, check_console_password
from scrm.wecom.errors import WeComError

log = logging.getLogger(__name__)

bp = Blueprint("web_auth", __name__, template_folder="../templates")
bp.before_request(sessions.check_form_csrf)


@bp.errorhandler(ScrmError)
def error_page(error: ScrmError):
    return render_template("web/error.html", message=error.message), error.status_code


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(error: RateLimitExceeded):
    seconds = throttle.retry_after_seconds()
    log.warning("console sign-in throttled for an address (%s)", error.description)
    page = _login_page(error=throttle.too_many_attempts_message(seconds))
    return page, 429, {"Retry-After": str(seconds)}


@bp.get("/auth/wecom/start")
def wecom_start():
    """Send the browser to WeCom to sign in, then back to ``?next=``."""
    via = "qr" if request.args.get("via") == "qr" else "oauth"
    default = "/console/" if via == "qr" else "/sidebar/"
    next_path = oauth.safe_next(request.args.get("next"), default)
    return redirect(oauth.authorize_url(next_path=next_path, via=via))


@bp.get("/auth/wecom/callback")
def wecom_callback():
    """WeCom's redirect back with ``code`` and ``state``: sign the member in."""
    try:
        next_path = oauth.take_state(request.args.get("state"))
        staff = oauth.staff_for_code(request.args.get("code"))
    except oauth.SignInRefused as refused:
        return render_template("web/error.html", message=refused.message), refused.status
    except WeComError as exc:
        log.warning("WeCom sign-in failed: errcode %s on %s", exc.errcode, exc.path)
        message = "暂时无法连接企业微信，请稍后重试。 (WeCom could not be reached; try again.)"
        return render_template("web/error.html", message=message), 502
    sessions.start_session(staff)
    log.info("staff %s signed in with WeCom", staff.id)
    return redirect(oauth.safe_next(next_path, "/"))  # checked at the start; once more here


@bp.get("/console/login")
def console_login_form():
    """The console's sign-in page: WeCom web login, or a local account."""
    reason = sessions.pop_signed_out_reason()
    if reason is None and request.args.get("signed_out"):
        reason = sessions.SIGNED_OUT
    return _login_page(reason=reason)


@bp.post("/console/login")
@throttle.limiter.limit(throttle.login_rate_limit, deduct_when=throttle.counts_as_failure)
def console_login():
    """Sign in with a local console account (``flask --app app scrm create-admin``)."""
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        account = check_console_password(username, password, address=request.remote_addr)
    except AccountError as exc:
        log.warning("console sign-in refused for a local account")
        return _login_page(error=exc.message, username=username), 401
    sessions.start_session(account.staff, account)
    log.info("console account %s signed in", account.id)
    return redirect(oauth.safe_next(request.args.get("next"), "/console/"))


@bp.post("/auth/logout")
def logout():
    """Sign out (``everywhere=1``: in every browser) and go back to the console's sign-in."""
    sessions.sign_out(everywhere=request.form.get("everywhere") == "1")
    return redirect(url_for("web_auth.console_login_form", signed_out=1))


def _login_page(*, reason=None, error=None, username=""):
    return render_template(
        "web/login.html",
        reason=reason,
        error=error,
        username=username,
        csrf_token=sessions.form_token(),
        demo=current_app.config.get("DEMO_MODE", False),
    )
