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

from scrm.compliance.decisions import explain_hits
from scrm.compliance.gateway import GateResult, OutboundMessage, submit
from scrm.compliance.vocabulary import InvalidMessage
from scrm.db import db
from scrm.directory.models import Staff
from scrm.moments.errors import CentralPostError
from scrm.moments.models import (
    POST_AWAITING_CONFIRMATION,
    POST_BLOCKED,
    POST_QUEUED,
    MomentPost,
    MomentPublication,
)
from scrm.moments.targets import resolve_target_rms
from scrm.outbox.kinds import MOMENT

CENTRAL_SLOTS = (1, 2)  # slot 3 is the RM's own post, written in the sidebar
MAX_TEXT_CHARS = 2000
MAX_IMAGES = 9
SINGLE_ATTACHMENTS = ("link", "video")  # exactly one, and nothing else beside it
ORIGIN = "moments"


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
    :param target: ``{"branch": id}``, ``{"department_ids": […]}``, ``{"userids": […]}``,
        ``{"staff_tag_ids": […]}`` (通讯录标签) or ``{"all": True}``: the RMs who publish it.
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
    check_post_content(text, attachments)
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
    submit_post(post, senders, confirm_reason)
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
    submit_post(post, senders, reason)
    return post


def check_post_content(text: str | None, attachments: list[dict]) -> None:
    """Check a post against WeCom's moment limits. :raise CentralPostError: naming the fix."""
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


def moment_idempotency_key(post: MomentPost) -> str:
    """The outbox key of a post: one per central slot a day, one per RM a day for slot 3."""
    key = f"moment:{post.day.isoformat()}:{post.slot}"
    return key if post.slot in CENTRAL_SLOTS else f"{key}:{post.created_by}"


def submit_post(post: MomentPost, senders: list[Staff], confirm_reason: str | None) -> GateResult:
    """Submit ``post`` through the gate (channel ``moments``) and set its status from the
    decision; released, each sender gets a publication row to follow.

    :raise CentralPostError: the gate refused the input itself (nothing archived).
    """
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
                idempotency_key=moment_idempotency_key(post),
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
