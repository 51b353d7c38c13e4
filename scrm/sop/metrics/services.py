"""Group-operation metrics: one row per live customer group per local day (群运营指标).

The counts are taken set-based, one GROUP BY per source table (members, SOP tasks,
check-ins), except messages: ``archived_message.chat_ids`` is a JSON list, which SQLite and
PostgreSQL read differently, so the day's group messages are streamed in batches and counted
in Python per chat id. The rows are upserted (``INSERT … ON CONFLICT (group_id, day) DO
UPDATE``), so computing a day again gives the same rows.

What counts:

- a group is live on a day when it existed by the end of it and was neither dismissed nor
  removed before it began (a dismissed group keeps its rows up to its dismissal day);
- members at the end of the day; joins and leaves within it (WeCom's join and quit times);
- messages and active speakers (distinct senders, staff and customers alike) are what the
  conversation archive ingested from the group (outcome ``ingested``) sent that day. What
  the gate released is not counted again: WeCom's archive records it once it was sent;
- SOP tasks due that day, cancelled ones left out: ``sop_on_time`` done, ``sop_late`` late,
  ``sop_missed`` missed plus blocked (the gate refused it), conflict (the day's mass-message
  slot was taken) and skipped (due while the worker was down): the group did not hear the
  step. Tasks still pending, queued or awaiting the owner are due but not yet an outcome;
- check-ins: check-in records made in the group that day.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from scrm.archive.chain.models import INGESTED, ArchivedMessage
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup, GroupMember
from scrm.sop.checkins.models import CheckIn, CheckInRecord
from scrm.sop.metrics.models import GROUP_COUNTS, GroupDailyMetric
from scrm.sop.metrics.rollup import LEVELS, rollup
from scrm.sop.models import (
    TASK_BLOCKED,
    TASK_CANCELLED,
    TASK_CONFLICT,
    TASK_DONE,
    TASK_LATE,
    TASK_MISSED,
    TASK_SKIPPED,
    SopTask,
)
from scrm.sop.tasks.schedule import local_day_bounds

__all__ = [
    "LEVELS",
    "compute_group_daily_metrics",
    "finalise_group_daily_metrics",
    "local_day_bounds",
    "local_today",
    "rollup",
]

#: Task states counted as missed: the step never reached the group.
MISSED_STATES = (TASK_MISSED, TASK_BLOCKED, TASK_CONFLICT, TASK_SKIPPED)
#: The numbers computed for each group and day (the columns the upsert rewrites).
COUNTS = GROUP_COUNTS
#: Archived messages are read from the database this many at a time.
MESSAGE_BATCH = 2000
#: Rows upserted per statement.
UPSERT_BATCH = 1000
#: A day is final when computed this long after it ended (to-dos missed, late ingests in).
FINALISE_AFTER = timedelta(minutes=20)
#: A message is archived after WeCom sent it; this much clock skew is allowed for.
ARCHIVE_CLOCK_SKEW = timedelta(hours=1)


def local_today(tz: str | ZoneInfo = "Asia/Shanghai", now: datetime | None = None) -> date:
    """The local date at ``now`` (default: now) in ``tz``."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    return (now or utcnow()).astimezone(zone).date()


def compute_group_daily_metrics(
    day: date, *, tz: str = "Asia/Shanghai", now: datetime | None = None
) -> int:
    """Compute and upsert the metrics of every live customer group for the local ``day``;
    flushes, the caller commits.

    The owner and sub-branch are copied from the group's owner when the day is today or
    yesterday; an older day keeps the owner it was stored with, so a group handed to another
    RM (离职继承) does not move its history.

    :param day: the local date.
    :param tz: the time zone the day is in (the bank's, ``SCRM_TIMEZONE``).
    :param now: the current time (aware), to tell today and yesterday from older days.
    :return: the number of group rows written.
    """
    start, end = local_day_bounds(day, tz)
    refresh_owner = day >= local_today(tz, now) - timedelta(days=1)
    live = _live_groups(start, end)
    groups = db.session.execute(live).all()
    if not groups:
        return 0
    live_ids = live.with_only_columns(CustomerGroup.id).scalar_subquery()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for source in (_member_counts, _sop_counts, _checkin_counts):
        for row in db.session.execute(source(start, end, live_ids)):
            counts[row.group_id].update(row._mapping)
    by_chat = {group.chat_id: group.id for group in groups}
    for group_id, numbers in _message_counts(start, end, by_chat).items():
        counts[group_id].update(numbers)
    computed_at = utcnow()
    rows = [
        {
            "group_id": group.id,
            "day": day,
            "owner_id": group.owner_id,
            "department_id": group.department_id,
            **{name: int(counts[group.id].get(name) or 0) for name in COUNTS},
            "computed_at": computed_at,
        }
        for group in groups
    ]
    db.session.flush()
    connection = db.session.connection()
    statement = _upsert(connection.dialect.name, refresh_owner)
    for first in range(0, len(rows), UPSERT_BATCH):
        connection.execute(statement, rows[first : first + UPSERT_BATCH])
    return len(rows)


def finalise_group_daily_metrics(
    day: date, *, tz: str = "Asia/Shanghai", now: datetime | None = None
) -> int | None:
    """Compute the local ``day`` again unless it was computed after it ended (plus
    :data:`FINALISE_AFTER`); the clock's catch-up when the worker slept through midnight.

    :return: the rows written, or ``None`` when the day was final already.
    """
    now = now or utcnow()
    _, end = local_day_bounds(day, tz)
    if now < end + FINALISE_AFTER:
        return None
    last = db.session.scalar(
        select(func.max(GroupDailyMetric.computed_at)).where(GroupDailyMetric.day == day)
    )
    if last is not None and last >= end + FINALISE_AFTER:
        return None
    return compute_group_daily_metrics(day, tz=tz, now=now)


def _live_groups(start: datetime, end: datetime):
    return (
        select(
            CustomerGroup.id,
            CustomerGroup.chat_id,
            CustomerGroup.owner_id,
            Staff.department_id,
        )
        .outerjoin(Staff, Staff.id == CustomerGroup.owner_id)
        .where(
            or_(CustomerGroup.created_at.is_(None), CustomerGroup.created_at < end),
            or_(CustomerGroup.dismissed_at.is_(None), CustomerGroup.dismissed_at >= start),
            or_(CustomerGroup.removed_at.is_(None), CustomerGroup.removed_at >= start),
        )
        .order_by(CustomerGroup.id)
    )


def _tally(condition):
    return func.sum(case((condition, 1), else_=0))


def _member_counts(start: datetime, end: datetime, live_ids):
    joined, quit = GroupMember.joined_at, GroupMember.quit_at
    return (
        select(
            GroupMember.group_id,
            _tally(
                and_(or_(joined.is_(None), joined < end), or_(quit.is_(None), quit >= end))
            ).label("members"),
            _tally(and_(joined >= start, joined < end)).label("joins"),
            _tally(and_(quit >= start, quit < end)).label("leaves"),
        )
        .where(GroupMember.group_id.in_(live_ids))
        .group_by(GroupMember.group_id)
    )


def _sop_counts(start: datetime, end: datetime, live_ids):
    return (
        select(
            SopTask.group_id,
            func.count().label("sop_due"),
            _tally(SopTask.status == TASK_DONE).label("sop_on_time"),
            _tally(SopTask.status == TASK_LATE).label("sop_late"),
            _tally(SopTask.status.in_(MISSED_STATES)).label("sop_missed"),
        )
        .where(
            SopTask.due_at >= start,
            SopTask.due_at < end,
            SopTask.status != TASK_CANCELLED,
            SopTask.group_id.in_(live_ids),
        )
        .group_by(SopTask.group_id)
    )


def _checkin_counts(start: datetime, end: datetime, live_ids):
    return (
        select(CheckIn.group_id, func.count(CheckInRecord.id).label("checkins"))
        .join(CheckInRecord, CheckInRecord.checkin_id == CheckIn.id)
        .where(
            CheckInRecord.checked_at >= start,
            CheckInRecord.checked_at < end,
            CheckIn.group_id.in_(live_ids),
        )
        .group_by(CheckIn.group_id)
    )


def _message_counts(start: datetime, end: datetime, by_chat: dict[str, int]) -> dict:
    """Messages and distinct speakers per group, read in batches from the archive.

    ``created_at`` (indexed) bounds the scan from below: a message is archived after it was
    sent. A late ingest is still counted on the day WeCom sent it (``sent_at``).
    """
    messages: dict[int, int] = defaultdict(int)
    speakers: dict[int, set[str]] = defaultdict(set)
    query = (
        select(ArchivedMessage.sender, ArchivedMessage.chat_ids)
        .where(
            ArchivedMessage.channel == "group",
            ArchivedMessage.outcome == INGESTED,
            ArchivedMessage.created_at >= start - ARCHIVE_CLOCK_SKEW,
            or_(
                and_(ArchivedMessage.sent_at >= start, ArchivedMessage.sent_at < end),
                and_(
                    ArchivedMessage.sent_at.is_(None),
                    ArchivedMessage.created_at >= start,
                    ArchivedMessage.created_at < end,
                ),
            ),
        )
        .execution_options(yield_per=MESSAGE_BATCH)
    )
    for sender, chat_ids in db.session.execute(query):
        for chat_id in chat_ids or ():
            group_id = by_chat.get(chat_id)
            if group_id is not None:
                messages[group_id] += 1
                speakers[group_id].add(sender)
    return {
        group_id: {"messages": count, "active_speakers": len(speakers[group_id])}
        for group_id, count in messages.items()
    }


@functools.cache
def _upsert(dialect: str, refresh_owner: bool):
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"group metrics support PostgreSQL and SQLite, not {dialect}")
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(GroupDailyMetric.__table__)
    rewritten = [*COUNTS, "computed_at"]
    if refresh_owner:
        rewritten += ["owner_id", "department_id"]
    return statement.on_conflict_do_update(
        index_elements=["group_id", "day"],
        set_={name: statement.excluded[name] for name in rewritten},
    )
