"""The landing pages: the sidebar (mobile, inside WeCom's chat toolbar) and the console
(desktop). Each shows who is signed in; the screens themselves arrive with their features."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from scrm.auth import current_staff
from scrm.web.signin import sessions

bp = Blueprint(
    "web_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)


@bp.get("/sidebar/")
def sidebar_home():
    """The sidebar's entry screen; signs the RM in through WeCom OAuth first."""
    if (answer := sessions.wecom_sign_in_first()) is not None:
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
