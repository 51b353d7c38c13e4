"""The landing pages: the sidebar (mobile, inside WeCom's chat toolbar) and the console
(desktop). Each shows who is signed in; the screens themselves arrive with their features."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from scrm.auth import current_staff
from scrm.web.signin import sessions

bp = Blueprint(
    "web_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)


def demo_bridge_requested() -> bool:
    """True when the page asked for the demo JS bridge and the server runs in demo mode."""
    return request.args.get("demo") == "1" and bool(current_app.config.get("DEMO_MODE"))


def wecom_sign_in_first():
    """For a sidebar page opened by nobody signed in: the page saying why a session ended, or
    the redirect into WeCom OAuth that comes back here. ``None`` when someone is signed in."""
    if current_staff() is not None:
        return None
    reason = sessions.pop_signed_out_reason()
    if reason:
        return render_template("web/error.html", message=reason, retry=request.full_path)
    return redirect(url_for("web_auth.wecom_start", next=request.full_path))


@bp.get("/sidebar/")
def sidebar_home():
    """The sidebar's entry screen; signs the RM in through WeCom OAuth first."""
    if (answer := wecom_sign_in_first()) is not None:
        return answer
    # The chat toolbar's address (/sidebar/) opens the sidebar app with WeCom's parameters.
    return redirect(url_for("sidebar_pages.sidebar_app", **request.args))


@bp.get("/console/")
def console_home():
    """The console's home; the sign-in page first when nobody is signed in."""
    staff = current_staff()
    if staff is None:
        return redirect(url_for("web_auth.console_login_form"))
    return render_template("web/console_home.html", staff=staff, csrf_token=sessions.form_token())
