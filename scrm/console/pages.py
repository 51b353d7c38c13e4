"""The console pages (管理后台). Each page is a shell guarded by one permission; its data comes
from the JSON API by our small scripts under ``static/console/``, which carry the session's
CSRF token on every write. Nobody signed in (or a session that went stale) → the sign-in page,
which says why; signed in without the permission → a 403 page naming it, and no data.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from scrm.archive.chain.verify import verify_archive
from scrm.archive.ingest.models import ArchiveCursor, ArchiveGap
from scrm.auth import PERMISSIONS, current_staff, may
from scrm.db import db
from scrm.web.signin import sessions

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/console-pages",
)

#: The console's sections: (endpoint, permission, Chinese title).
PAGES = {
    "archive": ("archive.search", "存档检索"),
    "conversation": ("archive.search", "会话上下文"),
    "review": ("review.read", "合规复核"),
    "review_case": ("review.read", "复核单"),
    "audit": ("audit.read", "访问审计"),
    "lexicon": ("lexicon.read", "词库"),
    "dashboards": ("dashboards.read", "分行看板"),
    "status": ("audit.read", "存档状态"),
    "scripts": ("scripts.manage", "话术库"),
}
GAPS_SHOWN = 20


def _page(name: str, **context):
    """Render ``console/<name>.html`` for a signed-in member holding the page's permission."""
    permission, title = PAGES[name]
    staff = current_staff()
    if staff is None:
        return redirect(url_for("web_auth.console_login_form", next=request.full_path))
    common = {"staff": staff, "csrf_token": sessions.form_token(), "title": title}
    if not may(staff, permission):
        holders = "、".join(sorted(PERMISSIONS[permission]))
        page = render_template(
            "console/forbidden.html", permission=permission, holders=holders, **common
        )
        return page, 403
    return render_template(f"console/{name}.html", **common, **context)


@bp.get("/archive")
def archive():
    """存档检索: filters, results with the hits marked, more, export."""
    return _page("archive")


@bp.get("/archive/messages/<bigid:message_id>")
def conversation(message_id: int):
    """The conversation around one archived message (the API audits the view)."""
    return _page("conversation", message_id=message_id)


@bp.get("/review")
def review():
    """复核队列: filters, SLA buckets, bulk false positive."""
    return _page("review")


@bp.get("/review/cases/<int:case_id>")
def review_case(case_id: int):
    """One review case: the message with hits, history, comments and the actions."""
    return _page("review_case", case_id=case_id)


@bp.get("/audit")
def audit():
    """访问审计: who searched, viewed or exported archived content."""
    return _page("audit")


@bp.get("/lexicon")
def lexicon():
    """词库: the active lexicon, its versions, a diff, and the test box."""
    return _page("lexicon")


@bp.get("/dashboards")
def dashboards():
    """分行看板: drill down bank → branch → sub-branch → RM → group."""
    return _page("dashboards")


@bp.get("/scripts")
def scripts():
    """话术库: HQ ops add, edit and retire the sidebar's scripts and materials."""
    return _page("scripts")


@bp.get("/status")
def status():
    """存档状态: the chain verification, each conversation-archive cursor and recent gaps."""
    staff = current_staff()
    if staff is None or not may(staff, PAGES["status"][0]):
        return _page("status")
    cursors = db.session.scalars(select(ArchiveCursor).order_by(ArchiveCursor.name)).all()
    gaps = db.session.scalars(
        select(ArchiveGap).order_by(ArchiveGap.id.desc()).limit(GAPS_SHOWN)
    ).all()
    return _page("status", report=verify_archive(), cursors=cursors, gaps=gaps)
