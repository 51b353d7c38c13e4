"""The day's counts per member of staff from follows, moments and the archive: one GROUP BY
per source, each a select the rollup executes (see :mod:`scrm.dashboards.services`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, case, func, or_, select

from scrm.archive.chain.models import OUTBOUND, RELEASED, ArchivedMessage
from scrm.customers.models import FOLLOW_HALF, FOLLOW_TRANSFER_FAILED, FOLLOW_TRANSFERRED, Follow
from scrm.dashboards.response_times import ARCHIVE_CLOCK_SKEW
from scrm.moments.models import (
    FOLLOW_UP_DONE,
    INTERACTION_COMMENT,
    INTERACTION_LIKE,
    MomentFollowUp,
    MomentInteraction,
    MomentPost,
    MomentPublication,
)

_NOT_SERVED = (FOLLOW_HALF, FOLLOW_TRANSFER_FAILED)


def _tally(condition):
    return func.sum(case((condition, 1), else_=0))


def customer_counts(start: datetime, end: datetime):
    served = Follow.status.not_in(_NOT_SERVED)
    followed, removed = Follow.followed_at, Follow.removed_at
    return (
        select(
            Follow.staff_id,
            _tally(
                and_(
                    or_(followed.is_(None), followed < end),
                    or_(removed.is_(None), removed >= end),
                )
            ).label("customers"),
            _tally(and_(followed >= start, followed < end)).label("new_customers"),
            _tally(
                and_(removed >= start, removed < end, Follow.status != FOLLOW_TRANSFERRED)
            ).label("lost_customers"),
        )
        .where(served, or_(followed.is_(None), followed < end))
        .group_by(Follow.staff_id)
    )


def follow_up_counts(start: datetime, end: datetime):
    done = MomentFollowUp.done_at
    return (
        select(
            MomentFollowUp.staff_id,
            _tally(and_(MomentFollowUp.created_at >= start, MomentFollowUp.created_at < end)).label(
                "follow_ups_opened"
            ),
            _tally(and_(MomentFollowUp.status == FOLLOW_UP_DONE, done >= start, done < end)).label(
                "follow_ups_done"
            ),
        )
        .where(
            or_(
                and_(MomentFollowUp.created_at >= start, MomentFollowUp.created_at < end),
                and_(done >= start, done < end),
            )
        )
        .group_by(MomentFollowUp.staff_id)
    )


def publication_counts(day: date):
    return (
        select(MomentPublication.staff_id, func.count().label("moments_published"))
        .join(MomentPost, MomentPost.id == MomentPublication.post_id)
        .where(MomentPost.day == day, MomentPublication.published.is_(True))
        .group_by(MomentPublication.staff_id)
    )


def interaction_counts(start: datetime, end: datetime):
    return (
        select(
            MomentInteraction.staff_userid,
            _tally(MomentInteraction.kind == INTERACTION_LIKE).label("likes"),
            _tally(MomentInteraction.kind == INTERACTION_COMMENT).label("comments"),
        )
        .where(MomentInteraction.created_at >= start, MomentInteraction.created_at < end)
        .group_by(MomentInteraction.staff_userid)
    )


def sent_counts(start: datetime, end: datetime):
    message = ArchivedMessage
    return (
        select(
            message.sender,
            func.count().label("sent"),
            _tally(func.json_array_length(message.hits) > 0).label("hits"),
        )
        .where(
            message.direction == OUTBOUND,
            message.outcome != RELEASED,
            message.created_at >= start - ARCHIVE_CLOCK_SKEW,
            or_(
                and_(message.sent_at >= start, message.sent_at < end),
                and_(
                    message.sent_at.is_(None),
                    message.created_at >= start,
                    message.created_at < end,
                ),
            ),
        )
        .group_by(message.sender)
    )
