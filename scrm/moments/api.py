"""The moments JSON API under ``/api/moments/``: posts and their status, the RM's own post
(slot 3), HQ's central posts, and cancelling either. The URL table and thin handlers.

Every route names one permission from :data:`scrm.auth.PERMISSIONS`. A post outside the
caller's scope answers 404 like an unknown one. Handlers never commit: the request commits
once it answered, and rolls back on an error (:mod:`scrm.db`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, request
from sqlalchemy import Select, or_, select

from scrm.auth import current_staff, require
from scrm.customers.access import BANK_WIDE_ROLES, subtree_staff_ids
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.moments.cancel import cancel_post
from scrm.moments.central import CENTRAL_SLOTS, create_central_post
from scrm.moments.models import OWN_SLOT, MomentPost, MomentPublication
from scrm.moments.own_post import create_own_post
from scrm.payloads import day, json_object, object_list, text_list

bp = Blueprint("moments_api", __name__, url_prefix="/api/moments")
PAGE_SIZE = 100
LIST_URL = "GET /api/moments/posts"


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/posts", list_posts),
        ("GET", "/posts/<int:post_id>", show_post),
        ("POST", "/own-posts", create_own),
        ("POST", "/own-posts/<int:post_id>/cancel", cancel_own),
        ("POST", "/central-posts", create_central),
        ("POST", "/central-posts/<int:post_id>/cancel", cancel_central),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("moments.read")
def list_posts():
    """Posts the caller publishes, wrote, or oversees, newest day first; ``?day=YYYY-MM-DD``."""
    query = _in_scope(select(MomentPost), current_staff())
    if request.args.get("day"):
        query = query.where(MomentPost.day == _day(request.args["day"]))
    query = query.order_by(MomentPost.day.desc(), MomentPost.slot, MomentPost.id).limit(PAGE_SIZE)
    return {"posts": [_post(p) for p in db.session.scalars(query)]}


@require("moments.read")
def show_post(post_id: int):
    """One post with each RM's publication: published, reminders, or why WeCom left them out."""
    post = _visible_post(post_id)
    return {"post": _post(post, with_publications=True)}


@require("moments.own_post")
def create_own():
    """Write the caller's own moment of the day (slot 3): ``{"text", "attachments",
    "customer_tag_ids", "confirm_reason", "day"}``; the gate judges it first."""
    staff, body = current_staff(), json_object()
    post = create_own_post(
        staff,
        day=_day(body["day"]) if body.get("day") else _today(),
        text=body.get("text"),
        attachments=object_list(body, "attachments"),
        customer_tag_ids=text_list(body, "customer_tag_ids"),
        confirm_reason=body.get("confirm_reason"),
    )
    return {"post": _post(post, with_publications=True)}, 201


@require("moments.own_post")
def cancel_own(post_id: int):
    """Cancel the caller's own post (before or after WeCom has it)."""
    staff = current_staff()
    post = db.session.get(MomentPost, post_id)
    if post is None or post.slot != OWN_SLOT or post.created_by != staff.userid:
        raise ScrmError(f"no own post {post_id} of yours; see {LIST_URL}", status_code=404)
    cancel_post(post, by=staff.userid, now=utcnow())
    return {"post": _post(post, with_publications=True)}


@require("moments.central")
def create_central():
    """Create HQ's post of a day and slot: ``{"day", "slot", "text", "attachments", "target",
    "customer_tag_ids", "confirm_reason"}``; ``target`` may name ``staff_tag_ids``."""
    staff, body = current_staff(), json_object()
    if not body.get("day"):
        raise ScrmError('give "day" (YYYY-MM-DD) and "slot" (1 or 2)')
    post = create_central_post(
        day=_day(body["day"]),
        slot=body.get("slot"),
        text=body.get("text"),
        attachments=object_list(body, "attachments"),
        target=body.get("target") or {},
        customer_tag_ids=text_list(body, "customer_tag_ids"),
        created_by=staff.userid,
        confirm_reason=body.get("confirm_reason"),
    )
    return {"post": _post(post, with_publications=True)}, 201


@require("moments.central")
def cancel_central(post_id: int):
    """Cancel a central post (before or after WeCom has it); its RMs are no longer reminded."""
    post = db.session.get(MomentPost, post_id)
    if post is None or post.slot not in CENTRAL_SLOTS:
        raise ScrmError(f"no central post {post_id}; see {LIST_URL}", status_code=404)
    cancel_post(post, by=current_staff().userid, now=utcnow())
    return {"post": _post(post, with_publications=True)}


def _in_scope(query: Select, staff: Staff) -> Select:
    roles = staff.role_names
    if roles & BANK_WIDE_ROLES:
        return query
    people = {staff.id} | (subtree_staff_ids(staff) if "branch_lead" in roles else set())
    userids = select(Staff.userid).where(Staff.id.in_(people))
    publishing = select(MomentPublication.post_id).where(MomentPublication.staff_id.in_(people))
    return query.where(or_(MomentPost.id.in_(publishing), MomentPost.created_by.in_(userids)))


def _visible_post(post_id: int) -> MomentPost:
    query = _in_scope(select(MomentPost).where(MomentPost.id == post_id), current_staff())
    post = db.session.scalar(query)
    if post is None:
        raise ScrmError(f"no post {post_id} among yours; see {LIST_URL}", status_code=404)
    return post


def _post(post: MomentPost, *, with_publications: bool = False) -> dict[str, Any]:
    data = {
        "id": post.id,
        "day": post.day.isoformat(),
        "slot": post.slot,
        "kind": "own" if post.slot == OWN_SLOT else "central",
        "status": post.status,
        "note": post.note,
        "text": post.text,
        "attachments": post.attachments,
        "customer_tag_ids": post.customer_tag_ids,
        "created_by": post.created_by,
        "moment_id": post.moment_id,
        "published": sum(1 for p in post.publications if p.published),
        "senders": len(post.publications),
        "invalid_sender_userids": post.invalid_sender_userids or [],
        "invalid_customer_tag_ids": post.invalid_customer_tag_ids or [],
        "cancelled_by": post.cancelled_by,
    }
    if with_publications:
        staff = current_staff()
        people = None
        if not staff.role_names & BANK_WIDE_ROLES and post.created_by != staff.userid:
            roles = staff.role_names
            people = {staff.id} | (subtree_staff_ids(staff) if "branch_lead" in roles else set())
        data["publications"] = [
            {
                "userid": p.staff.userid,
                "name": p.staff.name,
                "published": p.published,
                "reminders": p.reminders,
                "invalid_reason": p.invalid_reason,
            }
            for p in sorted(post.publications, key=lambda p: p.staff.userid)
            if people is None or p.staff_id in people
        ]
    return data


def _day(value: object) -> date:
    return day({"day": value}, "day", required=True)


def _today() -> date:
    zone = ZoneInfo(current_app.config.get("SCRM_TIMEZONE", "Asia/Shanghai"))
    return datetime.now(zone).date()


_rules()
