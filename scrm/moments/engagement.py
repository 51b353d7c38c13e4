"""Engagement on central moments: likes and comments pulled from WeCom, the 1v1 follow-up
to-do each commenting customer becomes for their RM (评论跟进), and the daily review of the
posts with the most interaction per branch.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from scrm.archive.chain.models import INGESTED, OUTBOUND, RELEASED, ArchivedMessage
from scrm.db import db, utcnow
from scrm.directory.models import Department, Staff
from scrm.directory.services import branch_of_departments
from scrm.moments.models import (
    FOLLOW_UP_DONE,
    FOLLOW_UP_OPEN,
    INTERACTION_COMMENT,
    INTERACTION_LIKE,
    POST_CANCELLED,
    MomentFollowUp,
    MomentInteraction,
    MomentPost,
    MomentPublication,
)
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.moment_comments import get_moment_comments
from scrm.wecom.errors import InvalidRequest

log = logging.getLogger(__name__)

#: Likes and comments keep coming for about a week after a post; older posts are not pulled.
PULL_WINDOW = timedelta(days=7)
DONE_MESSAGED = "messaged"
DONE_MARKED = "marked"


def pull_interactions(now: datetime) -> dict[str, int]:
    """Read the likes and comments on every RM's copy of the posts of the last 7 days.

    Stores each interaction once (re-pulls are idempotent) and opens one follow-up per
    moment, RM and commenting customer; likes and colleagues' comments open none. Flushes;
    the caller commits.

    :param now: the pull time; posts whose day is within :data:`PULL_WINDOW` are read.
    :return: counts: ``copies`` read, ``failed`` (WeCom refused: moment or member gone),
        new ``likes``, ``comments`` and ``follow_ups``.
    """
    counts = Counter(copies=0, failed=0, likes=0, comments=0, follow_ups=0)
    rows = db.session.execute(
        select(MomentPost, Staff)
        .join(MomentPublication, MomentPublication.post_id == MomentPost.id)
        .join(Staff, Staff.id == MomentPublication.staff_id)
        .where(
            MomentPost.moment_id.is_not(None),
            MomentPost.status != POST_CANCELLED,
            MomentPost.day >= (now - PULL_WINDOW).date(),
            MomentPublication.published.is_(True),
        )
        .order_by(MomentPost.id, Staff.id)
    ).all()
    client = get_client("contact") if rows else None
    for post, staff in rows:
        try:
            reactions = get_moment_comments(client, post.moment_id, staff.userid)
        except InvalidRequest as exc:  # the moment or the member is gone: skip this copy only
            log.warning("moment %s of %s not read: %s", post.moment_id, staff.userid, exc)
            counts["failed"] += 1
            continue
        counts["copies"] += 1
        for key, value in _store_copy(post, staff, reactions, now).items():
            counts[key] += value
    db.session.flush()
    return dict(counts)


def _store_copy(post: MomentPost, staff: Staff, reactions, now: datetime) -> Counter:
    seen = {
        (i.external_userid, i.kind, i.created_at)
        for i in db.session.scalars(
            select(MomentInteraction).where(
                MomentInteraction.moment_id == post.moment_id,
                MomentInteraction.staff_userid == staff.userid,
            )
        )
    }
    following = set(
        db.session.scalars(
            select(MomentFollowUp.external_userid).where(
                MomentFollowUp.moment_id == post.moment_id, MomentFollowUp.staff_id == staff.id
            )
        )
    )
    added = Counter()
    for reaction in reactions:
        if not reaction.external_userid:
            continue  # a colleague's like or comment: not a customer to follow up
        created_at = reaction.created_at or now
        key = (reaction.external_userid, reaction.kind, created_at)
        if key not in seen:
            seen.add(key)
            db.session.add(
                MomentInteraction(
                    post_id=post.id,
                    moment_id=post.moment_id,
                    staff_userid=staff.userid,
                    external_userid=reaction.external_userid,
                    kind=reaction.kind,
                    created_at=created_at,
                )
            )
            added["likes" if reaction.kind == INTERACTION_LIKE else "comments"] += 1
        if reaction.kind == INTERACTION_COMMENT and reaction.external_userid not in following:
            following.add(reaction.external_userid)
            # Opened at the comment's time: a reply the RM sent before this pull still counts.
            db.session.add(
                MomentFollowUp(
                    moment_id=post.moment_id,
                    staff_id=staff.id,
                    external_userid=reaction.external_userid,
                    status=FOLLOW_UP_OPEN,
                    created_at=created_at,
                )
            )
            added["follow_ups"] += 1
    return added


def close_follow_ups_from_archive(since: datetime) -> int:
    """Mark open follow-ups done ("messaged") when the archive shows the RM messaged the
    customer 1v1 after the comment. Flushes; the caller commits.

    :param since: read archived messages created from this time on (the oldest open
        follow-up worth closing); blocked and unconfirmed attempts never count.
    :return: how many follow-ups were closed.
    """
    open_rows = db.session.execute(
        select(MomentFollowUp, Staff.userid)
        .join(Staff, Staff.id == MomentFollowUp.staff_id)
        .where(MomentFollowUp.status == FOLLOW_UP_OPEN)
    ).all()
    if not open_rows:
        return 0
    messages = db.session.scalars(
        select(ArchivedMessage)
        .where(
            ArchivedMessage.direction == OUTBOUND,
            ArchivedMessage.channel == "single",
            ArchivedMessage.outcome.in_((RELEASED, INGESTED)),
            ArchivedMessage.sender.in_({userid for _, userid in open_rows}),
            ArchivedMessage.created_at >= since,
        )
        .order_by(ArchivedMessage.id)
    ).all()
    closed = 0
    for follow_up, userid in open_rows:
        reply = next(
            (
                m
                for m in messages
                if m.sender == userid
                and follow_up.external_userid in (m.recipients or [])
                and (m.sent_at or m.created_at) >= follow_up.created_at
            ),
            None,
        )
        if reply is not None:
            _finish(follow_up, DONE_MESSAGED, reply.sent_at or reply.created_at, reply.id)
            closed += 1
    db.session.flush()
    return closed


def mark_follow_up_done(follow_up: MomentFollowUp, by_staff: Staff) -> MomentFollowUp:
    """The RM marks a follow-up done by hand (called, met in the branch …). Flushes.

    :raise PermissionError: when ``by_staff`` is not the follow-up's RM.
    :raise ValueError: when the follow-up is already done.
    """
    if by_staff.id != follow_up.staff_id:
        raise PermissionError(
            f"follow-up {follow_up.id} belongs to another RM; only that RM can mark it done"
        )
    if follow_up.status == FOLLOW_UP_DONE:
        raise ValueError(f"follow-up {follow_up.id} is already done ({follow_up.done_how})")
    _finish(follow_up, DONE_MARKED, utcnow(), None)
    db.session.flush()
    return follow_up


def _finish(follow_up: MomentFollowUp, how: str, at: datetime, message_id: int | None) -> None:
    follow_up.status = FOLLOW_UP_DONE
    follow_up.done_how = how
    follow_up.done_at = at
    follow_up.archived_message_id = message_id


def daily_review(day: date, *, branch_id: int | None = None, limit: int = 10) -> list[dict]:
    """The posts with the most likes and comments on ``day`` (local time), per branch.

    A branch is the RM's department's depth-2 ancestor. Rows are ordered by branch, then by
    interactions, most first; at most ``limit`` posts per branch.

    :param branch_id: only this branch's rows.
    :raise ValueError: when ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    tz = ZoneInfo(current_app.config["SCRM_TIMEZONE"])
    start = datetime.combine(day, time.min, tz)
    rows = db.session.execute(
        select(MomentInteraction.post_id, MomentInteraction.kind, Staff.department_id)
        .join(Staff, Staff.userid == MomentInteraction.staff_userid)
        .where(
            MomentInteraction.post_id.is_not(None),
            MomentInteraction.created_at >= start,
            MomentInteraction.created_at < start + timedelta(days=1),
        )
    ).all()
    branches = branch_of_departments()
    totals: dict[tuple, Counter] = {}
    for post_id, kind, department_id in rows:
        branch = branches.get(department_id)
        if branch_id is not None and branch != branch_id:
            continue
        totals.setdefault((branch, post_id), Counter())[kind] += 1
    return _review_rows(totals, limit)


def _review_rows(totals: dict[tuple, Counter], limit: int) -> list[dict]:
    posts = {
        p.id: p
        for p in db.session.scalars(
            select(MomentPost).where(MomentPost.id.in_({k[1] for k in totals}))
        )
    }
    names = dict(db.session.execute(select(Department.id, Department.name)).all())
    ranked = sorted(
        totals.items(),
        key=lambda item: (item[0][0] is None, item[0][0] or 0, -item[1].total(), item[0][1]),
    )
    rows, per_branch = [], Counter()
    for (branch, post_id), counts in ranked:
        if per_branch[branch] >= limit:
            continue
        per_branch[branch] += 1
        post = posts[post_id]
        rows.append(
            {
                "branch_id": branch,
                "branch": names.get(branch, "未分配"),
                "post_id": post_id,
                "day": post.day.isoformat(),
                "slot": post.slot,
                "text": (post.text or "")[:40],
                "likes": counts[INTERACTION_LIKE],
                "comments": counts[INTERACTION_COMMENT],
                "interactions": counts.total(),
            }
        )
    return rows
