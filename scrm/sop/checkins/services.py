"""Check-ins (群打卡): a ``checkin`` SOP task opens a window in which customers post a keyword
in the group; the conversation-archive ingest counts them; the window closes, optionally with
a summary posted to the group through the compliance gate; streaks and a leaderboard follow.

A message counts when its archive time (WeCom's ``msgtime``) falls inside the window, even if
the ingest reads it after the window closed, so a slow archive pull never loses a check-in.
Only customers count: messages of the bank's staff (outbound) never do.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from scrm.archive.chain.models import INBOUND, ArchivedMessage
from scrm.compliance.gateway import OutboundMessage, submit
from scrm.compliance.scanning.normalize import normalise
from scrm.compliance.vocabulary import InvalidMessage
from scrm.db import db, insert_unless_present
from scrm.directory.models import Staff
from scrm.groups.models import GROUP_NORMAL, CustomerGroup
from scrm.outbox.kinds import MASS_MESSAGE
from scrm.sop.checkins.board import leaderboard
from scrm.sop.checkins.models import CHECKIN_CLOSED, CHECKIN_OPEN, CheckIn, CheckInRecord
from scrm.sop.models import CHECKIN, TASK_BLOCKED, TASK_CANCELLED, TASK_DONE, TASK_PENDING, SopTask
from scrm.sop.tasks.daily_limit import day_holder, local_day_of
from scrm.sop.tasks.execution import (
    ORIGIN,
    TAKEN,
    StepContentError,
    lock_group,
    mass_message_body,
    settle_task,
    step_of,
)

log = logging.getLogger(__name__)

OPENED = "opened"
CLOSED = "closed"
SUMMARISED = "summarised"
SUMMARY_SKIPPED = "summary_skipped"


# ---- opening -------------------------------------------------------------------------------


def open_checkin_for_task(task_id: int, now: datetime) -> str:
    """Open the check-in of one due ``checkin`` task and mark the task done; flushes.

    The task leaves ``pending`` by a guarded UPDATE first, so a second worker gets
    :data:`~scrm.sop.tasks.execution.TAKEN` and opens nothing (``checkin.task_id`` is unique too).

    :param task_id: a pending check-in task.
    :param now: the current time.
    :return: ``opened``, ``cancelled`` (group dismissed), ``blocked`` (no keyword) or ``taken``.
    """
    if not settle_task(task_id, (TASK_PENDING,), status=TASK_DONE, finished_at=now):
        return TAKEN
    task = db.session.get(SopTask, task_id, populate_existing=True)
    group = db.session.get(CustomerGroup, task.group_id)
    if group.status != GROUP_NORMAL or group.removed_at is not None:
        task.status, task.note = TASK_CANCELLED, "the customer group was dismissed in WeCom"
        db.session.flush()
        return TASK_CANCELLED
    settings = _settings(task)
    keyword, window = settings.get("keyword"), settings.get("window_minutes")
    if not isinstance(keyword, str) or not normalise(keyword) or not isinstance(window, int):
        task.status = TASK_BLOCKED
        task.note = (
            "the step has no usable check-in settings; give it "
            "checkin: {keyword: 打卡, window_minutes: 720} and publish a new version"
        )
        db.session.flush()
        return TASK_BLOCKED
    db.session.add(
        CheckIn(
            task_id=task.id,
            group_id=group.id,
            keyword=keyword,
            opens_at=task.due_at,
            closes_at=task.due_at + timedelta(minutes=window),
            status=CHECKIN_OPEN,
        )
    )
    db.session.flush()
    return OPENED


def open_due_checkins(now: datetime, *, limit: int = 1000) -> dict[str, int]:
    """Open a check-in for every pending ``checkin`` task due by ``now``; a job: commits per task.

    :return: counts by outcome (``opened``, ``cancelled``, ``blocked``, ``taken``, ``error``).
    """
    ids = db.session.scalars(
        select(SopTask.id)
        .where(SopTask.mode == CHECKIN, SopTask.status == TASK_PENDING, SopTask.due_at <= now)
        .order_by(SopTask.due_at, SopTask.id)
        .limit(limit)
    ).all()
    return _each(ids, lambda task_id: open_checkin_for_task(task_id, now), "task")


# ---- counting ------------------------------------------------------------------------------


def record_checkin_message(archived: ArchivedMessage) -> int:
    """Count an archived group message as a check-in where it carries the keyword; flushes.

    The keyword is matched on the normalised text (full-width, traditional, case, spaces and
    emoji folded, as the compliance scanner does), so ``打 卡``, ``打卡！`` and ``打卡✅`` count.
    A member counts once per check-in (their first message); re-ingesting changes nothing.

    :param archived: a message just archived (ingested from WeCom's conversation archive).
    :return: the check-ins this message was counted in (0 or more).
    """
    if archived.channel != "group" or archived.direction != INBOUND or not archived.text:
        return 0
    if not archived.chat_ids:
        return 0
    when = archived.sent_at or archived.created_at
    windows = db.session.scalars(
        select(CheckIn)
        .join(CustomerGroup, CustomerGroup.id == CheckIn.group_id)
        .where(
            CustomerGroup.chat_id.in_(archived.chat_ids),
            CheckIn.opens_at <= when,
            CheckIn.closes_at > when,
        )
    ).all()
    text = normalise(archived.text)
    statement = insert_unless_present(
        CheckInRecord.__table__,
        ["checkin_id", "member_userid"],
        dialect=db.session.get_bind().dialect.name,
        returning=["id"],
    )
    counted = 0
    for checkin in windows:
        if normalise(checkin.keyword) not in text:
            continue
        done = db.session.execute(
            statement,
            {
                "checkin_id": checkin.id,
                "member_userid": archived.sender,
                "archived_message_id": archived.id,
                "checked_at": when,
            },
        )
        counted += len(done.all())
    return counted


# ---- closing -------------------------------------------------------------------------------


def close_checkin(checkin_id: int, now: datetime) -> str:
    """Close one check-in whose window is over, posting its summary when the step asks for it
    (``checkin: {summary: true}``); flushes.

    The summary is a group mass message in the owner's name through the gate. WeCom lets a
    group receive one mass message a day, so it is skipped (and the reason logged) when an
    auto SOP step or another summary already holds the group's day.

    :return: ``closed``, ``summarised``, ``summary_skipped`` or ``taken``.
    """
    closed = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin_id, CheckIn.status == CHECKIN_OPEN)
        .values(status=CHECKIN_CLOSED)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        return TAKEN
    checkin = db.session.get(CheckIn, checkin_id, populate_existing=True)
    task = db.session.get(SopTask, checkin.task_id)
    if not _settings(task).get("summary"):
        return CLOSED
    reason = _summary_blocker(checkin, task, now)
    if reason:
        log.info("check-in %s closed without a summary: %s", checkin.id, reason)
        return SUMMARY_SKIPPED
    group = db.session.get(CustomerGroup, checkin.group_id)
    owner = db.session.get(Staff, group.owner_id)
    text = summary_text(checkin)
    try:
        result = submit(
            OutboundMessage(
                channel="group",
                origin=ORIGIN,
                sender_userid=owner.userid,
                text=text,
                delivery_kind=MASS_MESSAGE,
                delivery_payload=mass_message_body(
                    {"msgtype": "text", "text": text}, sender=owner.userid, chat_id=group.chat_id
                ),
                chat_ids=[group.chat_id],
                idempotency_key=f"checkin-summary:{checkin.id}",
                attempted_by=f"sop:{task.step_key}",
            )
        )
    except (InvalidMessage, StepContentError) as exc:
        log.warning("check-in %s summary not sent: %s", checkin.id, type(exc).__name__)
        return SUMMARY_SKIPPED
    if not result.released:
        log.warning("check-in %s summary stopped by the gate (%s)", checkin.id, result.decision)
        return SUMMARY_SKIPPED
    checkin.summary_archived_message_id = result.archived_message_id
    db.session.flush()
    return SUMMARISED


def close_due_checkins(now: datetime, *, limit: int = 1000) -> dict[str, int]:
    """Close every open check-in whose window ended by ``now``; a job: commits per check-in.

    :return: counts by outcome (``closed``, ``summarised``, ``summary_skipped``, ``taken``,
        ``error``).
    """
    ids = db.session.scalars(
        select(CheckIn.id)
        .where(CheckIn.status == CHECKIN_OPEN, CheckIn.closes_at <= now)
        .order_by(CheckIn.closes_at, CheckIn.id)
        .limit(limit)
    ).all()
    return _each(ids, lambda checkin_id: close_checkin(checkin_id, now), "check-in")


def summary_text(checkin: CheckIn) -> str:
    """The summary posted to the group: how many checked in, and the top of the leaderboard."""
    group = db.session.get(CustomerGroup, checkin.group_id)
    count = len(checkin.records)
    if not count:
        return f"本次「{checkin.keyword}」打卡已结束，还没有群友打卡，下次一起来吧！"
    top = "、".join(f"{e.name}（累计{e.total}次）" for e in leaderboard(group, limit=3))
    return f"本次「{checkin.keyword}」打卡已结束，共 {count} 位群友完成打卡🎉 打卡榜：{top}。"


def _summary_blocker(checkin: CheckIn, task: SopTask, now: datetime) -> str | None:
    group = lock_group(checkin.group_id)  # with the auto steps: one takes the group's day
    if group.status != GROUP_NORMAL or group.removed_at is not None:
        return "the customer group was dismissed in WeCom"
    if group.owner_id is None:
        return "the group has no known owner; run scrm sync"
    # The day is the one the summary goes out on, in the SOP's time zone.
    start, end = local_day_of(now, task.assignment.timezone)
    holder = day_holder(checkin.group_id, start, end, except_checkin=checkin.id)
    if holder is not None:
        return f"WeCom allows one mass message per group per day; {holder} holds it"
    return None


# ---- plumbing ------------------------------------------------------------------------------


def _settings(task: SopTask) -> dict:
    try:
        settings = step_of(task).get("checkin")
    except StepContentError:
        return {}
    return settings if isinstance(settings, dict) else {}


def _each(ids: list[int], handle: Callable[[int], str], what: str) -> dict[str, int]:
    db.session.rollback()  # hold no read transaction while others write
    counts: Counter[str] = Counter()
    for item_id in ids:
        try:
            counts[handle(item_id)] += 1
            # commit in steps: one check-in at a time; a failure rolls back only its own
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("%s %s could not be handled; retried next run", what, item_id)
            counts["error"] += 1
    return dict(counts)
