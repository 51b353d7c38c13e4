"""The access-audit JSON API: ``GET /api/audit/access`` (admins and compliance)."""

from __future__ import annotations

from flask import Blueprint, request

from scrm.audit.models import ACTIONS
from scrm.audit.services import access_records, as_dict
from scrm.auth import require
from scrm.errors import ScrmError
from scrm.payloads import whole_number

bp = Blueprint("audit_api", __name__, url_prefix="/api/audit")
PAGE_MAX = 200


@bp.get("/access")
@require("audit.read")
def list_access():
    """Audit rows newest first: ``?staff=USERID``, ``action=search|view|export``,
    ``before=`` (the previous page's ``next_before``), ``limit=`` (default 50)."""
    action = request.args.get("action") or None
    if action is not None and action not in ACTIONS:
        raise ScrmError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    limit = whole_number(request.args, "limit", default=50, minimum=1, maximum=PAGE_MAX)
    rows = access_records(
        staff_userid=request.args.get("staff") or None,
        action=action,
        before=whole_number(request.args, "before", hint="the next_before of the previous page"),
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "records": [as_dict(row) for row in rows],
        "next_before": rows[-1].id if more else None,
    }
