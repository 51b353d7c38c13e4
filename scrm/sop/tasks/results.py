"""Polling WeCom for what became of SOP mass messages (群发结果): the group owner must confirm
each one in WeCom, and WeCom sends no callback when they do.

A queued task whose delivery WeCom accepted is asked about with ``get_groupmsg_task`` (did the
owner confirm?) and ``get_groupmsg_send_result`` (did the group receive it?), then marked:

- ``done``: the group received it within the step's grace window after its due time;
- ``late``: received after the grace window, on its due day;
- ``missed``: not received by the end of its local due day — the owner did not confirm, the
  group's one mass message of the day was taken (WeCom status 3), or the outbox gave up;
- ``awaiting_owner``: WeCom holds it and the day is not over.

Polling is bounded: a run looks at most at ``limit`` tasks, oldest first, and a task stops
being polled once its day is over and it is settled.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from sqlalchemy import select

from scrm.db import db
from scrm.outbox.models import DEAD, SENT, Delivery
from scrm.sop.models import (
    AUTO,
    TASK_AWAITING_OWNER,
    TASK_DONE,
    TASK_LATE,
    TASK_MISSED,
    TASK_QUEUED,
    SopTask,
)
from scrm.sop.tasks.execution import grace_deadline, local_day, settle_task, step_of
from scrm.wecom.client import WeComClient, get_client
from scrm.wecom.endpoints.groupmsg import (
    RECIPIENT_QUOTA_TAKEN,
    RECIPIENT_SENT,
    SENDER_SENT,
    get_groupmsg_send_result,
    get_groupmsg_task,
)
from scrm.wecom.errors import WeComError

log = logging.getLogger(__name__)

WAITING = (TASK_QUEUED, TASK_AWAITING_OWNER)
NOT_YET = "not_yet"  # the outbox has not delivered it to WeCom yet


def _mark(task: SopTask, status: str, note: str | None, **values) -> str:
    if not settle_task(task.id, WAITING, status=status, note=note, **values):
        return "taken"
    db.session.flush()
    return status


def _miss(task: SopTask, day_end: datetime, note: str, **values) -> str:
    return _mark(task, TASK_MISSED, note, finished_at=day_end, **values)


def poll_task_result(task: SopTask, now: datetime, client: WeComClient) -> str:
    """Ask WeCom about one queued or awaiting auto task and mark it; flushes.

    :return: the task's new status, ``not_yet`` or ``taken`` (another worker settled it).
    :raise WeComError: WeCom could not be asked; the next run asks again.
    """
    day_end = local_day(task)[1]
    day_over = now >= day_end
    delivery = db.session.get(Delivery, task.delivery_id) if task.delivery_id else None
    if delivery is None or delivery.status == DEAD:
        reason = delivery.last_error if delivery is not None else "no delivery was queued"
        return _miss(task, day_end, f"the outbox could not deliver it to WeCom: {reason}")
    if delivery.status != SENT or not delivery.wecom_ref:
        if day_over:
            return _miss(task, day_end, "the outbox had not delivered it by the end of the day")
        return NOT_YET
    msgid, owner = delivery.wecom_ref, delivery.payload["sender"]
    chat_id = delivery.payload["chat_id_list"][0]
    senders = {s.userid: s for s in get_groupmsg_task(client, msgid)}
    mine = senders.get(owner)
    if mine is None or mine.status != SENDER_SENT:
        if day_over:
            note = f"the group owner {owner} did not confirm it in WeCom by the end of the day"
            return _miss(task, day_end, note, wecom_msgid=msgid)
        if task.status == TASK_AWAITING_OWNER:
            return TASK_AWAITING_OWNER
        return _mark(task, TASK_AWAITING_OWNER, None, wecom_msgid=msgid)
    results = {r.target: r for r in get_groupmsg_send_result(client, msgid, owner)}
    got = results.get(chat_id)
    if got is None or got.status != RECIPIENT_SENT:
        if got is not None and got.status != RECIPIENT_QUOTA_TAKEN:
            why = f"WeCom reports status {got.status} for the group"
        else:
            why = "the group had already received its one mass message of the day (WeCom 3)"
        note = f"the owner confirmed, but WeCom did not deliver it to the group: {why}"
        return _miss(task, day_end, note, wecom_msgid=msgid)
    sent_at = got.send_time or mine.send_time or now
    if sent_at <= grace_deadline(task, step_of(task)):
        return _mark(task, TASK_DONE, None, wecom_msgid=msgid, finished_at=sent_at)
    if sent_at < day_end:
        note = f"sent at {sent_at.isoformat()}, after the grace window"
        return _mark(task, TASK_LATE, note, wecom_msgid=msgid, finished_at=sent_at)
    note = f"the owner confirmed it only at {sent_at.isoformat()}, after its day ended"
    return _miss(task, day_end, note, wecom_msgid=msgid)


def poll_mass_message_results(now: datetime, *, limit: int = 500) -> dict[str, int]:
    """Poll WeCom for every queued or awaiting auto task due by ``now``; a job: commits after
    each task.

    :param now: the current time.
    :param limit: tasks asked about in one run, oldest first (WeCom's call quota).
    :return: counts by outcome (``done``, ``late``, ``missed``, ``awaiting_owner``,
        ``not_yet``, ``taken``, ``error``).
    """
    ids = db.session.scalars(
        select(SopTask.id)
        .where(SopTask.mode == AUTO, SopTask.status.in_(WAITING), SopTask.due_at <= now)
        .order_by(SopTask.due_at, SopTask.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    client = get_client("contact")
    counts: Counter[str] = Counter()
    for task_id in ids:
        task = db.session.get(SopTask, task_id, populate_existing=True)
        if task is None or task.status not in WAITING:
            counts["taken"] += 1
            continue
        try:
            counts[poll_task_result(task, now, client)] += 1
            # commit in steps: one task at a time; a failure rolls back only its own
            db.session.commit()
        except WeComError as exc:
            db.session.rollback()
            log.warning("sop task %s: WeCom could not be asked (%s); next run", task_id, exc)
            counts["error"] += 1
    return dict(counts)
