"""The sidebar's page (聊天工具栏): one phone-width screen that shows the customer or the group
of the chat it is opened beside, the script library and the compliance check. The page is
rendered at once and fills itself from ``/api/sidebar/…`` and ``/api/customers/…``."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from scrm.auth import PERMISSIONS, csrf_token, current_staff, may
from scrm.web.signin.sessions import wecom_sign_in_first

#: How long the page waits for the WeCom client to answer getContext before it says the page
#: is not open inside WeCom (outside the client the official SDK never answers).
BRIDGE_WAIT_MS = 8000

bp = Blueprint(
    "sidebar_pages",
    __name__,
    template_folder="templates",
    static_folder="static/sidebar",
    static_url_path="/static/sidebar",
)


@bp.get("/sidebar/app/")
def sidebar_app():
    """The RM sidebar; signs the RM in through WeCom OAuth first (see docs/web.md)."""
    if (answer := wecom_sign_in_first()) is not None:
        return answer
    staff = current_staff()
    permissions = sorted(p for p in PERMISSIONS if may(staff, p))
    return render_template(
        "sidebar/app.html",
        staff=staff,
        demo=demo_bridge_requested(),
        csrf_token=csrf_token(),
        permissions=" ".join(permissions),
        bridge_wait_ms=int(current_app.config.get("SIDEBAR_BRIDGE_WAIT_MS", BRIDGE_WAIT_MS)),
    )


def demo_bridge_requested() -> bool:
    """True when the page asked for the demo JS bridge and the server runs in demo mode."""
    return request.args.get("demo") == "1" and bool(current_app.config.get("DEMO_MODE"))
