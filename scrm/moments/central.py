"""Central moments posts (总行统发朋友圈): HQ writes slots 1 and 2 of a day for a range of RMs.

A post is checked against WeCom's moment limits, resolved to the RMs who should publish it,
and submitted through the compliance gate (channel ``moments``). Released, it is queued in the
outbox, which creates the WeCom moment task (``add_moment_task``); each RM then publishes it in
the WeCom app, which :mod:`scrm.moments.tracking` follows. Blocked, nothing reaches WeCom and
the post keeps the gate's explanation. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from scrm.compliance.gateway import GateResult, OutboundMessage, submit
from scrm.compliance.model import InvalidMessage
from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.errors import ScrmError
from scrm.moments.models import (
    POST_AWAITING_CONFIRMATION,
    POST_BLOCKED,
    POST_QUEUED,
    MomentPost,
    MomentPublication,
)
from scrm.outbox.kinds import MOMENT

CENTRAL_SLOTS = (1, 2)  # slot 3 is the RM's own post, written in the sidebar
MAX_TEXT_CHARS = 2000
MAX_IMAGES = 9
SINGLE_ATTACHMENTS = ("link", "video")  # exactly one, and nothing else beside it
MAX_SENDERS = 100_000
TARGET_KEYS = ("branch", "department_ids", "userids", "all")
ORIGIN = "moments"


class CentralPostError(ScrmError):
    """A central post that cannot be made as asked; the message names the fix."""


def create_central_post(
    *,
    day: date,
    slot: int,
    text: str | None,
    attachments: Sequence[Mapping[str, Any]] = (),
    target: Mapping[str, Any],
    customer_tag_ids: Sequence[str] = (),
    created_by: str,
    confirm_reason: str | None = None,
) -> MomentPost:
    """Create the central post for ``day`` and ``slot`` and submit it through the gate.

    A post of that slot that never left (blocked, or waiting for a confirmation) is revised in
    place; one already queued or publishing is an error.

    :param day: the local day the RMs publish it.
    :param slot: 1 or 2 (3 is the RM's own post).
    :param text: up to 2,000 characters.
    :param attachments: up to 9 images, or exactly one link or video (WeCom's body sections).
    :param target: ``{"branch": id}``, ``{"department_ids": […]}``, ``{"userids": […]}`` or
        ``{"all": True}``: the RMs who publish it.
    :param customer_tag_ids: when given, only customers with one of these tags see it.
    :param created_by: the HQ operator's userid (the sender the archive records).
    :param confirm_reason: why a warned text may go anyway.
    :raise CentralPostError: bad slot, slot taken, over WeCom's limits, no RM in the target.
    """
    if slot not in CENTRAL_SLOTS:
        raise CentralPostError(
            f"slot {slot!r}: HQ posts slots 1 and 2; slot 3 is the RM's own post, written in "
            "the sidebar"
        )
    attachments = [dict(a) for a in attachments]
    _check_content(text, attachments)
    post = db.session.scalars(
        select(MomentPost).where(MomentPost.day == day, MomentPost.slot == slot)
    ).first()
    if post is not None and post.status not in (POST_BLOCKED, POST_AWAITING_CONFIRMATION):
        raise CentralPostError(
            f"{day.isoformat()} slot {slot} already has post #{post.id} ({post.status}, by "
            f"{post.created_by}); choose the other slot or another day"
        )
    senders = resolve_target_rms(target)
    if post is None:
        # Added once the gate has decided its status (the gate's own queries autoflush).
        post = MomentPost(day=day, slot=slot, created_by=created_by)
    post.text, post.attachments, post.target = text, attachments, dict(target)
    post.customer_tag_ids = [str(t) for t in customer_tag_ids]
    post.sender_userids = [s.userid for s in senders]
    post.created_by = created_by
    _submit(post, senders, confirm_reason)
    return post


def confirm_central_post(post: MomentPost, reason: str) -> MomentPost:
    """Send a warned post anyway, with HQ's reason (recorded in the archive).

    :raise CentralPostError: the post is not waiting for a confirmation, or the reason is blank.
    """
    if post.status != POST_AWAITING_CONFIRMATION:
        raise CentralPostError(f"post #{post.id} is {post.status}; only a warned post is confirmed")
    if not isinstance(reason, str) or not reason.strip():
        raise CentralPostError("give the reason why the warned wording is acceptable")
    senders = resolve_target_rms(post.target)
    post.sender_userids = [s.userid for s in senders]
    _submit(post, senders, reason)
    return post


def resolve_target_rms(target: Mapping[str, Any]) -> list[Staff]:
    """The current staff with the ``rm`` role that ``target`` names, ordered by userid.

    :raise CentralPostError: an unknown target, department or userid, or no RM in it.
    """
    if not isinstance(target, Mapping) or len(target) != 1 or next(iter(target)) not in TARGET_KEYS:
        raise CentralPostError(
            'target must be one of {"branch": <dept id>}, {"department_ids": [...]}, '
            '{"userids": [...]} or {"all": true}'
        )
    key, value = next(iter(target.items()))
    rms = (
        select(Staff)
        .join(StaffRole, StaffRole.staff_id == Staff.id)
        .where(StaffRole.role == "rm", Staff.removed_at.is_(None))
        .order_by(Staff.userid)
    )
    if key == "all":
        if value is not True:
            raise CentralPostError('target {"all": true} must be exactly true')
        found, where = list(db.session.scalars(rms)), "the bank"
    elif key == "userids":
        wanted = [str(u) for u in value or []]
        found = list(db.session.scalars(rms.where(Staff.userid.in_(wanted))))
        unknown = sorted(set(wanted) - {s.userid for s in found})
        if unknown:
            raise CentralPostError(
                f"not current RMs: {', '.join(unknown[:10])}; check the userids, give them the "
                "rm role, or run `scrm sync`"
            )
        where = "the userids given"
    else:
        roots = [value] if key == "branch" else list(value or [])
        departments = _subtrees(roots)
        found = list(db.session.scalars(rms.where(Staff.department_id.in_(departments))))
        where = f"department {', '.join(str(r) for r in roots)} or below"
    if not found:
        raise CentralPostError(
            f"no RM in {where}: choose another target, or give staff the rm role there"
        )
    if len(found) > MAX_SENDERS:
        raise CentralPostError(
            f"{len(found)} RMs; WeCom allows {MAX_SENDERS} per moment — split the target"
        )
    return found


def _subtrees(roots: Sequence[Any]) -> list[int]:
    parents = dict(
        db.session.execute(
            select(Department.id, Department.parent_id).where(Department.removed_at.is_(None))
        ).all()
    )
    found: list[int] = []
    for root in roots:
        if not isinstance(root, int) or root not in parents:
            raise CentralPostError(
                f"department {root!r} is not known; give a department id from `scrm sync`"
            )
        todo = [root]
        while todo:
            department = todo.pop()
            found.append(department)
            todo.extend(d for d, p in parents.items() if p == department)
    return found


def _check_content(text: str | None, attachments: list[dict]) -> None:
    if text is not None and not isinstance(text, str):
        raise CentralPostError("text must be a string")
    if not (text or "").strip() and not attachments:
        raise CentralPostError("a post needs text or at least one image, link or video")
    if text and len(text) > MAX_TEXT_CHARS:
        raise CentralPostError(
            f"text is {len(text)} characters; a moment allows {MAX_TEXT_CHARS} — shorten it"
        )
    kinds = [a.get("msgtype") for a in attachments]
    for i, kind in enumerate(kinds):
        section = attachments[i].get(kind) if kind in ("image", *SINGLE_ATTACHMENTS) else None
        if not isinstance(section, dict) or not section:
            raise CentralPostError(
                f"attachments[{i}]: a moment takes image, link or video sections, e.g. "
                '{"msgtype": "image", "image": {"media_id": "…"}}'
            )
    if any(k in SINGLE_ATTACHMENTS for k in kinds) and len(kinds) > 1:
        raise CentralPostError(
            "a link or video goes alone: post exactly one link or video, or up to 9 images"
        )
    if len(kinds) > MAX_IMAGES:
        raise CentralPostError(
            f"{len(kinds)} images; a moment allows at most {MAX_IMAGES} — remove "
            f"{len(kinds) - MAX_IMAGES}"
        )


def moment_task_body(post: MomentPost) -> dict[str, Any]:
    """The ``add_moment_task`` body for ``post``: what the gate scans is what WeCom gets."""
    body: dict[str, Any] = {}
    if post.text:
        body["text"] = {"content": post.text}
    if post.attachments:
        body["attachments"] = list(post.attachments)
    visible: dict[str, Any] = {"sender_list": {"user_list": list(post.sender_userids)}}
    if post.customer_tag_ids:
        visible["external_contact_list"] = {"tag_list": list(post.customer_tag_ids)}
    body["visible_range"] = visible
    return body


def _submit(post: MomentPost, senders: list[Staff], confirm_reason: str | None) -> GateResult:
    body = moment_task_body(post)
    try:
        result = submit(
            OutboundMessage(
                channel="moments",
                origin=ORIGIN,
                sender_userid=post.created_by,
                text=post.text or None,
                delivery_kind=MOMENT,
                delivery_payload=body,
                msgtype=post.attachments[0]["msgtype"] if post.attachments else "text",
                attachments=list(post.attachments),
                confirm_reason=confirm_reason,
                idempotency_key=f"moment:{post.day.isoformat()}:{post.slot}",
            )
        )
    except InvalidMessage as exc:
        raise CentralPostError(str(exc)) from None
    db.session.add(post)
    post.archived_message_id = result.archived_message_id
    if result.decision == "block":
        post.status = POST_BLOCKED
        post.note = f"blocked by the compliance gate: {explain_hits(result.hits)} — reword it"
    elif result.needs_confirmation:
        post.status = POST_AWAITING_CONFIRMATION
        post.note = (
            f"warned by the compliance gate: {explain_hits(result.hits)} — reword it, or "
            "confirm with a reason"
        )
    else:
        post.status, post.note, post.delivery_id = POST_QUEUED, None, result.delivery_id
        known = {p.staff_id for p in post.publications}
        for staff in senders:
            if staff.id not in known:
                db.session.add(MomentPublication(post=post, staff_id=staff.id))
    db.session.flush()
    return result


def explain_hits(hits: Sequence[Mapping[str, Any]]) -> str:
    """The gate's hits in words: the exact text, category, action and legal basis of each."""
    parts = []
    for hit in hits:
        if hit.get("action") not in ("block", "warn"):
            continue
        basis = f", basis: {hit['basis']}" if hit.get("basis") else ""
        parts.append(
            f'"{hit.get("matched")}" ({hit.get("category")}, {hit.get("action")}{basis}) '
            f"in {hit.get('field', 'text')}"
        )
    return "; ".join(parts) or "no explained hit"
