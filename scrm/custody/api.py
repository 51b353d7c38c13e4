"""The custody JSON API under ``/api/custody/``: handovers (在职转接) and inheritance (离职继承).

Branch leads act within their department and below (both RMs must be there); HQ ops and
admins bank-wide. A write commits its plan before WeCom is asked, and the request commits
what WeCom answered (:mod:`scrm.db`), so an unreachable WeCom leaves a plan that
``scrm custody poll`` resumes.
"""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select

from scrm.auth import BANK_WIDE_ROLES, current_staff, require
from scrm.custody.handover import HandoverError, create_handover, start_handover
from scrm.custody.inheritance import inherit
from scrm.custody.models import Handover
from scrm.custody.results import report
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.errors import ScrmError
from scrm.payloads import json_object

bp = Blueprint("custody_api", __name__, url_prefix="/api/custody")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/handovers", list_handovers),
        ("GET", "/handovers/<int:handover_id>", show_handover),
        ("POST", "/handovers", create_onjob_handover),
        ("POST", "/inheritances", inherit_from_departed),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


def scope_of(actor: Staff) -> set[int] | None:
    """The department ids ``actor`` may act in; ``None`` means the whole bank."""
    if actor.role_names & BANK_WIDE_ROLES:
        return None
    if actor.department_id is None:
        return set()
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    return set(department_subtree(parents, actor.department_id))


def _in_scope(scope: set[int] | None, staff: Staff | None) -> bool:
    return staff is None or scope is None or staff.department_id in scope


def _staff(userid, field: str) -> Staff:
    if not isinstance(userid, str) or not userid.strip():
        raise ScrmError(f"{field} is required: the WeCom userid of the RM")
    staff = db.session.scalar(select(Staff).where(Staff.userid == userid.strip()))
    if staff is None:
        raise ScrmError(f"no member of staff {userid!r}; check {field}", status_code=404)
    return staff


def _check_scope(*people: Staff) -> None:
    scope = scope_of(current_staff())
    outside = [p.userid for p in people if not _in_scope(scope, p)]
    if outside:
        raise ScrmError(
            f"{', '.join(outside)} is outside your branch; ask HQ operations or their branch lead",
            status_code=403,
        )


@require("custody.read")
def list_handovers():
    """Handovers the signed-in lead may see, newest first (``?status=open|closed|…``)."""
    scope = scope_of(current_staff())
    query = select(Handover).order_by(Handover.id.desc()).limit(200)
    if request.args.get("status"):
        query = query.where(Handover.status == request.args["status"])
    rows = [
        h
        for h in db.session.scalars(query)
        if _in_scope(scope, h.handover_staff) and _in_scope(scope, h.takeover_staff)
    ]
    return {"handovers": [report(h) | {"customers": None, "groups": None} for h in rows]}


@require("custody.read")
def show_handover(handover_id: int):
    """One handover: every customer and group, inherited / waiting / failed (and why)."""
    handover = db.session.get(Handover, handover_id)
    scope = scope_of(current_staff())
    if handover is None or not (
        _in_scope(scope, handover.handover_staff) and _in_scope(scope, handover.takeover_staff)
    ):
        raise ScrmError(
            f"no handover {handover_id} you may see; see GET /api/custody/handovers",
            status_code=404,
        )
    return report(handover)


@require("custody.transfer")
def create_onjob_handover():
    """Hand an RM's customers (all, or ``external_userids``) and optionally groups to another
    RM; WeCom is asked at once. Body: handover_userid, takeover_userid, external_userids,
    include_groups, success_msg, confirm_reason, reason, request_key."""
    body = json_object(optional=True)
    giver = _staff(body.get("handover_userid"), "handover_userid")
    taker = _staff(body.get("takeover_userid"), "takeover_userid")
    _check_scope(giver, taker)
    ids = body.get("external_userids")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise ScrmError("external_userids must be a list of external userids, or left out")
    try:
        handover = create_handover(
            giver,
            taker,
            requested_by=current_staff().userid,
            external_userids=ids,
            include_groups=bool(body.get("include_groups")),
            success_msg=body.get("success_msg") or None,
            confirm_reason=body.get("confirm_reason") or None,
            reason=body.get("reason") or None,
            request_key=body.get("request_key") or None,
        )
        db.session.commit()  # commit in steps: the plan is durable before WeCom is asked
        if handover.started_at is None:
            start_handover(handover)
    except HandoverError:
        db.session.commit()  # commit in steps: a refusal keeps the blocked message's archive row
        raise
    return report(handover), 201


@require("custody.transfer")
def inherit_from_departed():
    """Give a departed RM's customers and groups to ``takeover_userid`` (default: the
    proposed RM). Body: departed_userid, takeover_userid."""
    body = json_object(optional=True)
    departed = _staff(body.get("departed_userid"), "departed_userid")
    taker = body.get("takeover_userid")
    _check_scope(departed, *([_staff(taker, "takeover_userid")] if taker else []))
    try:
        handover = inherit(departed.userid, taker, requested_by=current_staff().userid)
    except HandoverError:
        db.session.commit()  # commit in steps: a refusal keeps the inheritance plan made
        raise
    return report(handover), 201


_rules()
