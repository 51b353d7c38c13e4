"""The RM's own moments post (slot 3, 客户经理自发朋友圈): written by the RM in the sidebar.

It obeys the same content limits as HQ's posts and passes the same gate (channel ``moments``),
is published by that RM alone (``sender_list`` = the RM), and is seen by the RM's customers —
all of them, or those carrying one of the chosen corp tags. One per RM per local day: a post
the gate stopped (blocked, or waiting for a reason) is revised in place; one that went out or
was cancelled is the day's post. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select

from scrm.customers.models import CorpTag
from scrm.db import db
from scrm.directory.models import Staff
from scrm.moments.central import CentralPostError, check_post_content, submit_post
from scrm.moments.models import (
    OWN_SLOT,
    POST_AWAITING_CONFIRMATION,
    POST_BLOCKED,
    MomentPost,
)


class OwnPostError(CentralPostError):
    """An RM's own post that cannot be made as asked; the message names the fix."""


def own_post_of(staff: Staff, day: date) -> MomentPost | None:
    """The RM's slot-3 post of ``day``, whatever its status."""
    return db.session.scalar(
        select(MomentPost).where(
            MomentPost.day == day,
            MomentPost.slot == OWN_SLOT,
            MomentPost.created_by == staff.userid,
        )
    )


def create_own_post(
    staff: Staff,
    *,
    day: date,
    text: str | None,
    attachments: Sequence[Mapping[str, Any]] = (),
    customer_tag_ids: Sequence[str] = (),
    confirm_reason: str | None = None,
) -> MomentPost:
    """Create the RM's own post of ``day`` and submit it through the gate.

    :param staff: the RM, who writes and publishes it.
    :param day: the RM's local day.
    :param text: up to 2,000 characters.
    :param attachments: up to 9 images, or exactly one link or video.
    :param customer_tag_ids: when given, only the RM's customers with one of these corp tags
        see it.
    :param confirm_reason: why a warned wording may go anyway.
    :raise OwnPostError: not an RM, today's post already went out, a tag WeCom deleted, or
        content over WeCom's limits.
    """
    if "rm" not in staff.role_names or staff.removed_at is not None:
        raise OwnPostError(f"{staff.userid} is not a current RM; only RMs post their own moments")
    attachments = [dict(a) for a in attachments]
    try:
        check_post_content(text, attachments)
    except CentralPostError as exc:
        raise OwnPostError(exc.message) from None
    tags = _live_tag_ids(customer_tag_ids)
    post = own_post_of(staff, day)
    if post is not None and post.status not in (POST_BLOCKED, POST_AWAITING_CONFIRMATION):
        raise OwnPostError(
            f"you already posted your own moment for {day.isoformat()} (#{post.id}, "
            f"{post.status}); one a day — post again tomorrow"
        )
    if post is None:
        post = MomentPost(day=day, slot=OWN_SLOT, created_by=staff.userid)
    post.text, post.attachments = text, attachments
    post.target = {"userids": [staff.userid]}
    post.customer_tag_ids = tags
    post.sender_userids = [staff.userid]
    try:
        submit_post(post, [staff], confirm_reason)
    except CentralPostError as exc:
        raise OwnPostError(exc.message) from None
    return post


def _live_tag_ids(tag_ids: Sequence[str]) -> list[str]:
    wanted = [str(t) for t in tag_ids]
    if not wanted:
        return []
    live = set(
        db.session.scalars(
            select(CorpTag.wecom_id).where(
                CorpTag.wecom_id.in_(wanted), CorpTag.removed_at.is_(None)
            )
        )
    )
    unknown = [t for t in wanted if t not in live]
    if unknown:
        raise OwnPostError(
            f"customer tags {', '.join(unknown)} are not current corp tags (deleted in WeCom?); "
            "choose from GET /api/customers/tag-groups"
        )
    return wanted
