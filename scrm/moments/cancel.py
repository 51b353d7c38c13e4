"""Cancelling a moments post (撤回朋友圈任务), central or the RM's own.

Where the post is decides what cancelling means:

- never left scrm (blocked, waiting for a reason): cancelled here, nothing to stop;
- queued in the outbox and not yet sent: the delivery is withdrawn in the same statement
  that checks it is still queued, so a worker that claimed it finds it gone and sends nothing;
- WeCom holds the task (sending, sent, publishing): WeCom's ``cancel_moment_task`` stops it
  for the RMs who have not published. Until its ``moment_id`` is known (the send is still in
  flight) the post waits as ``cancelling`` and :func:`finish_cancellations` completes it.

Cancelled posts are no longer polled and their RMs are no longer reminded. Functions flush;
the caller commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from scrm.db import db
from scrm.errors import ScrmError
from scrm.moments.models import (
    POST_AWAITING_CONFIRMATION,
    POST_BLOCKED,
    POST_CANCELLED,
    POST_CANCELLING,
    POST_PUBLISHING,
    POST_QUEUED,
    MomentPost,
)
from scrm.moments.tracking import learn_moment_id
from scrm.outbox.models import DEAD, QUEUED, Delivery
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.moment_tasks import cancel_moment_task
from scrm.wecom.errors import WeComError

log = logging.getLogger(__name__)


class CancelError(ScrmError):
    """A post that cannot be cancelled as asked; the message names the fix."""


def cancel_post(post: MomentPost, *, by: str, now: datetime) -> MomentPost:
    """Cancel ``post``; cancelling a cancelled post changes nothing.

    :param by: the userid of who cancelled it (HQ ops, or the RM for their own post).
    :param now: when.
    :return: the post, ``cancelled`` or (WeCom still creating its task) ``cancelling``.
    :raise CancelError: WeCom refused to stop the task (the post is left as it was).
    """
    if post.status in (POST_CANCELLED, POST_CANCELLING):
        return post
    if post.status in (POST_BLOCKED, POST_AWAITING_CONFIRMATION):
        return _mark(post, POST_CANCELLED, by, now)
    before = post.status
    _mark(post, POST_CANCELLING, by, now)
    try:
        _stop_in_wecom(post)
    except WeComError as exc:
        if exc.retryable:
            log.warning("moment post %s: cancel left for the next poll: %s", post.id, exc)
            return post
        post.status, post.cancelled_by, post.cancelled_at = before, None, None
        db.session.flush()
        raise CancelError(
            f"WeCom refused to stop moment {post.moment_id}: errcode {exc.errcode} "
            f"{exc.errmsg[:120]} — check it in the WeCom admin console (客户朋友圈)"
        ) from None
    return post


def _mark(post: MomentPost, status: str, by: str, now: datetime) -> MomentPost:
    post.status, post.cancelled_by, post.cancelled_at = status, by, now
    db.session.flush()
    return post


def _withdraw_delivery(post: MomentPost) -> bool:
    """True when the post's delivery never reached WeCom and now never will: still queued
    (withdrawn here) or dead-lettered."""
    if post.delivery_id is None:
        return True
    # One guarded statement: it only succeeds while no worker has started the send.
    done = db.session.execute(
        update(Delivery)
        .where(Delivery.id == post.delivery_id, Delivery.status.in_((QUEUED, DEAD)))
        .values(
            status=DEAD,
            last_error=f"moment post #{post.id} cancelled by {post.cancelled_by} before it "
            "was sent; do not retry",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return done.rowcount == 1


def _stop_in_wecom(post: MomentPost) -> None:
    if not post.moment_id and _withdraw_delivery(post):
        post.status = POST_CANCELLED
        db.session.flush()
        return
    if not learn_moment_id(post):
        return  # the send is still in flight; finish_cancellations stops it later
    cancel_moment_task(get_client("contact"), post.moment_id)
    post.status = POST_CANCELLED
    db.session.flush()


def finish_cancellations() -> dict[str, int]:
    """Stop in WeCom every post cancelled while its task was being created.

    :return: counts: ``cancelled`` now, ``waiting`` still without a moment id, ``failed``.
    """
    counts = {"cancelled": 0, "waiting": 0, "failed": 0}
    for post in db.session.scalars(select(MomentPost).where(MomentPost.status == POST_CANCELLING)):
        try:
            _stop_in_wecom(post)
        except WeComError as exc:
            log.warning("moment post %s: WeCom did not stop it yet: %s", post.id, exc)
            counts["failed"] += 1
            continue
        counts["cancelled" if post.status == POST_CANCELLED else "waiting"] += 1
    return counts


#: Statuses from which a post can still be cancelled.
CANCELLABLE = (POST_BLOCKED, POST_AWAITING_CONFIRMATION, POST_QUEUED, POST_PUBLISHING)
