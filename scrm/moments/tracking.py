"""Following a central post in WeCom: which RMs published it, and reminding those who did not.

WeCom sends no callback when an RM publishes a corp moment, so scrm polls: once the outbox has
created the moment task, the job result gives the ``moment_id``, and ``get_moment_task`` tells,
per RM, whether they published. RMs who have not get a WeCom app message (through the gate,
like every outbound message), at most once per post per local day. Functions flush; the
caller (job or CLI) commits.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from scrm.compliance.staff_notice import notify_staff
from scrm.db import db
from scrm.moments.models import (
    INVALID_OUTSIDE_RANGE,
    OWN_SLOT,
    POST_PUBLISHING,
    POST_QUEUED,
    MomentPost,
    MomentPublication,
)
from scrm.outbox.models import DEAD, SENT, Delivery
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.moment_tasks import JOB_DONE, MomentJob, get_moment_job
from scrm.wecom.endpoints.moments import PUBLISHED, get_moment_task
from scrm.wecom.errors import WeComError

log = logging.getLogger(__name__)

#: Who the archive records as the sender of reminders (the self-built app, not a person).
TRACKED_DAYS = 3  # posts of today and the two days before are still followed


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SCRM_TIMEZONE"])


def sync_post_status(post: MomentPost, now: datetime) -> int:
    """Bring ``post`` up to date with WeCom: its moment id, then who published it.

    :param post: a queued or publishing post.
    :param now: when the publications were seen.
    :return: how many RMs were newly seen to have published.
    :raise WeComError: WeCom did not answer; nothing is written.
    """
    if post.status == POST_QUEUED:
        if not learn_moment_id(post):
            return 0
        post.status = POST_PUBLISHING
    if post.status != POST_PUBLISHING or not post.moment_id:
        return 0
    statuses = get_moment_task(get_client("contact"), post.moment_id)
    newly = 0
    for publication in post.publications:
        if not publication.published and statuses.get(publication.staff.userid) == PUBLISHED:
            publication.published, publication.published_seen_at = True, now
            newly += 1
    db.session.flush()
    return newly


def learn_moment_id(post: MomentPost) -> bool:
    """Learn the post's WeCom ``moment_id`` once the outbox created its task, and whom WeCom
    left out of it (senders outside the app's visible range, unknown customer tags).

    :return: True when ``post.moment_id`` is known; its status is the caller's to change.
    :raise WeComError: WeCom did not answer.
    """
    if post.moment_id:
        return True
    delivery = db.session.get(Delivery, post.delivery_id) if post.delivery_id else None
    if delivery is None:
        return False
    if delivery.status == DEAD:
        post.note = f"WeCom did not take the moment task: {delivery.last_error}"
        db.session.flush()
        return False
    if delivery.status != SENT:
        return False  # still in the outbox
    result = delivery.result or {}
    moment_id = result.get("moment_id")
    if result.get("jobid"):
        job = get_moment_job(get_client("contact"), result["jobid"])
        moment_id = moment_id or job.moment_id
        if job.status == JOB_DONE:
            _record_invalid(post, job)
    if not moment_id:
        return False  # WeCom is still creating the task
    post.moment_id = moment_id
    db.session.flush()
    return True


def _record_invalid(post: MomentPost, job: MomentJob) -> None:
    # WeCom ignores senders outside the app's visible range instead of failing the job: they
    # never get the task, so they are shown with the reason and never reminded.
    post.invalid_sender_userids = sorted(job.invalid_userids)
    post.invalid_customer_tag_ids = sorted(job.invalid_tag_ids)
    invalid = set(job.invalid_userids)
    for publication in post.publications:
        if publication.staff.userid in invalid:
            publication.invalid_reason = INVALID_OUTSIDE_RANGE
    if invalid or job.invalid_tag_ids:
        log.warning(
            "moment post %s: WeCom left out %d RMs and %d customer tags",
            post.id,
            len(invalid),
            len(job.invalid_tag_ids),
        )


def tracked_posts(now: datetime) -> list[MomentPost]:
    """The queued and publishing posts of the last :data:`TRACKED_DAYS` local days."""
    today = now.astimezone(_zone()).date()
    return list(
        db.session.scalars(
            select(MomentPost)
            .where(
                MomentPost.day > today - timedelta(days=TRACKED_DAYS),
                MomentPost.day <= today,
                MomentPost.status.in_((POST_QUEUED, POST_PUBLISHING)),
            )
            .order_by(MomentPost.day, MomentPost.slot)
        )
    )


def poll_publications(now: datetime) -> dict[str, int]:
    """Sync every tracked post with WeCom; a post WeCom fails on is retried next time.

    :return: counts: ``posts`` synced, ``published`` newly seen, ``failed`` posts.
    """
    counts: Counter[str] = Counter()
    for post in tracked_posts(now):
        try:
            counts["published"] += sync_post_status(post, now)
            counts["posts"] += 1
        except WeComError as exc:
            log.warning("moment post %s: WeCom did not answer the poll: %s", post.id, exc)
            counts["failed"] += 1
    return dict(counts)


def remind_unpublished(post: MomentPost, now: datetime) -> int:
    """Send each RM who has not published ``post`` a WeCom reminder, once per local day.

    :param post: a publishing post (WeCom holds its task).
    :param now: the time of the reminder; its local date is the day counted.
    :return: how many reminders were queued.
    """
    if post.status != POST_PUBLISHING:
        return 0
    zone = _zone()
    today = now.astimezone(zone).date()
    sent = 0
    for publication in sorted(post.publications, key=lambda p: p.staff.userid):
        if publication.published or publication.invalid_reason:
            continue
        if publication.staff.removed_at is not None:
            continue
        last = publication.last_reminded_at
        if last is not None and last.astimezone(zone).date() == today:
            continue
        if _send_reminder(post, publication, today.isoformat()):
            publication.reminders += 1
            publication.last_reminded_at = now
            sent += 1
    db.session.flush()
    return sent


def remind_all_unpublished(now: datetime) -> dict[str, int]:
    """Remind the RMs of every tracked publishing post; returns ``{post id: reminders}``."""
    return {
        str(post.id): remind_unpublished(post, now)
        for post in tracked_posts(now)
        if post.status == POST_PUBLISHING
    }


def _send_reminder(post: MomentPost, publication: MomentPublication, day: str) -> bool:
    staff = publication.staff
    # Never quotes the post: its wording was judged for customers, the reminder is for staff.
    if post.slot == OWN_SLOT:
        text = (
            f"【朋友圈提醒】{staff.name or staff.userid}您好，您{post.day:%m月%d日}的个人朋友圈"
            "已通过审核，还没有发表。请打开企业微信“客户朋友圈”发表。"
        )
    else:
        text = (
            f"【朋友圈提醒】{staff.name or staff.userid}您好，总行{post.day:%m月%d日}第"
            f"{post.slot}条朋友圈您还没有发表。请打开企业微信“客户朋友圈”，发表总行统一内容。"
        )
    result = notify_staff(
        staff.userid,
        text,
        origin="moments_reminder",
        idempotency_key=f"moment-remind:{post.id}:{staff.userid}:{day}",
        attempted_by=f"moments:{post.id}",
    )
    return result is not None and result.released
