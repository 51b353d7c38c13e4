"""Who is asking and what they may do: the signed-in member of staff, the one permission table,
and CSRF protection for the JSON API. Which customer groups and customers each role sees is
decided in :mod:`scrm.groups.access` and :mod:`scrm.customers.access`.

Who is asking is decided once per request, before the view, by the sign-in layer
(:mod:`scrm.web.signin.sessions`): it checks the server-side session the cookie names
(:mod:`scrm.sessions`) and tells this module whose it is with :func:`identify`. Nothing else
makes anyone signed in — a cookie's other contents are never trusted — so a request that was
not identified is nobody's.
"""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import Blueprint, Flask, g, request, session

from scrm.db import db
from scrm.directory.models import ROLES, Staff
from scrm.errors import ScrmError

#: Every permission and the scrm roles that hold it. A route names exactly one of these.
PERMISSIONS: dict[str, frozenset[str]] = {
    "sop.templates.read": frozenset(ROLES),
    "sop.assign": frozenset({"hq_ops", "branch_lead", "admin"}),
    "sop.tasks.read": frozenset({"rm", "branch_lead", "hq_ops", "admin"}),
    "sop.todo.complete": frozenset({"rm", "branch_lead"}),
    "sop.metrics.read": frozenset({"rm", "branch_lead", "hq_ops", "admin"}),
    # Customers: profile, tags, notes, identity binding (RMs: their own customers only).
    "customers.read": frozenset({"rm", "branch_lead", "hq_ops", "admin"}),
    "customers.tags.edit": frozenset({"rm", "branch_lead"}),
    "customers.notes.edit": frozenset({"rm"}),
    "customers.bind": frozenset({"rm", "branch_lead"}),
    # Segments and mass messages (客户群发).
    "campaigns.read": frozenset({"rm", "branch_lead", "hq_ops", "admin"}),
    "campaigns.send": frozenset({"rm", "branch_lead", "hq_ops"}),
    # Acquisition: channel QR codes (渠道活码), welcome messages, bulk-add imports.
    "acquisition.read": frozenset({"rm", "branch_lead", "hq_ops", "admin"}),
    "acquisition.manage": frozenset({"branch_lead", "hq_ops"}),
    # Custody: handovers (在职转接) and resigned inheritance (离职继承).
    "custody.read": frozenset({"branch_lead", "hq_ops", "admin"}),
    "custody.transfer": frozenset({"branch_lead", "hq_ops"}),
    # Moments: central posts (HQ) and each RM's own slot-3 post.
    "moments.read": frozenset({"rm", "branch_lead", "hq_ops", "admin"}),
    "moments.central": frozenset({"hq_ops"}),
    "moments.own_post": frozenset({"rm"}),
    # The archive (合规): search and read archived messages, export them, read the access audit.
    "archive.search": frozenset({"compliance"}),
    "archive.export": frozenset({"compliance"}),
    "audit.read": frozenset({"compliance", "admin"}),
    # Review of compliance hits (合规复核) and the lexicon.
    "review.read": frozenset({"compliance"}),
    "review.act": frozenset({"compliance"}),
    "lexicon.read": frozenset({"compliance", "hq_ops", "admin"}),
    # Branch-lead dashboards of group operations (scoped: branch lead to their subtree).
    "dashboards.read": frozenset({"branch_lead", "hq_ops", "admin"}),
    # The RM sidebar: the script library (话术库) and materials, and checked sends.
    "scripts.read": frozenset({"rm", "branch_lead", "hq_ops"}),
    "scripts.manage": frozenset({"hq_ops"}),
    "sidebar.send": frozenset({"rm", "branch_lead"}),
}

#: Roles that see every customer group in the bank.
BANK_WIDE_ROLES = frozenset({"hq_ops", "admin"})

CSRF_HEADER = "X-CSRF-Token"
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_STAFF_QUIT = 5  # WeCom member status 已退出企业

bp = Blueprint("auth_api", __name__, url_prefix="/api")


def identify(staff_id: int | None) -> None:
    """Record whose checked session this request carries (``None``: nobody's). Only the
    sign-in layer calls this, once it has checked the session on the server."""
    g.scrm_staff_id = staff_id


def new_csrf_token() -> str:
    """Issue this browser a fresh CSRF token (at sign-in: a token planted before is void)."""
    session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


def current_staff() -> Staff | None:
    """The signed-in member of staff, or ``None`` (nobody, removed, or left the bank)."""
    staff_id = g.get("scrm_staff_id")
    if not isinstance(staff_id, int):
        return None
    # The session's identity map makes repeated calls within a request free.
    staff = db.session.get(Staff, staff_id)
    if staff is None or staff.removed_at is not None or staff.status == _STAFF_QUIT:
        return None
    return staff


def may(staff: Staff | None, permission: str) -> bool:
    """True when ``staff`` holds a role that grants ``permission``."""
    return staff is not None and bool(staff.role_names & PERMISSIONS[permission])


def require(permission: str):
    """Decorate a view: 401 when nobody is signed in, 403 when no role grants ``permission``.

    :raise KeyError: at import time, for a permission missing from :data:`PERMISSIONS`.
    """
    holders = PERMISSIONS[permission]

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                raise ScrmError(
                    "sign in first: this needs a signed-in member of staff", status_code=401
                )
            if not may(staff, permission):
                raise ScrmError(
                    f'permission "{permission}" is needed; it is held by the roles '
                    f"{', '.join(sorted(holders))} (ask an admin to give you one)",
                    status_code=403,
                )
            return view(*args, **kwargs)

        guarded.permission = permission
        return guarded

    return decorate


def csrf_token() -> str:
    """This session's CSRF token, issued on first use."""
    if "csrf_token" not in session:
        return new_csrf_token()
    return session["csrf_token"]


def protect_api_writes() -> None:
    """Refuse a write to ``/api/`` whose ``X-CSRF-Token`` header is not this session's token."""
    if request.method not in _UNSAFE_METHODS or not request.path.startswith("/api/"):
        return
    sent, expected = request.headers.get(CSRF_HEADER, ""), session.get("csrf_token")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        what = "carries no" if not sent else "carries a wrong"
        raise ScrmError(
            f"this request {what} {CSRF_HEADER} header; send the csrf_token from "
            "GET /api/session in it",
            status_code=403,
        )


@bp.get("/session")
def session_view():
    """Who is signed in, their roles and permissions, and the CSRF token for writes."""
    staff = current_staff()
    body = {"signed_in": staff is not None, "csrf_token": csrf_token()}
    if staff is None:
        return body | {"staff": None, "roles": [], "permissions": []}
    return body | {
        "staff": {
            "userid": staff.userid,
            "name": staff.name,
            "department_id": staff.department_id,
        },
        "roles": sorted(staff.role_names),
        "permissions": sorted(p for p in PERMISSIONS if may(staff, p)),
    }


def init_app(app: Flask) -> None:
    """Serve ``/api/session`` and check the CSRF token on every ``/api/`` write."""
    app.before_request(protect_api_writes)
    app.register_blueprint(bp)
