"""Carrying out SOP tasks (SOP执行): auto steps go to the group as a mass message through the
compliance gate and the outbox (to-dos: :mod:`scrm.sop.tasks.todos`; WeCom's answer:
:mod:`scrm.sop.tasks.results`).

Every write is a guarded UPDATE on the task's status, so two workers, a retry or a restart
never send a step twice or undo another worker's outcome. WeCom lets a customer group receive
ONE mass message per day (corp and members together): the second auto step of a group's day
is marked ``conflict`` with the step that holds the day, never silently dropped.

Blocked content is recorded in the task's ``note`` with the gate's exact words, and the role
holder is told in WeCom (:mod:`scrm.sop.tasks.notices`, an app message through the gate too).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from scrm.compliance.decisions import explain_hits
from scrm.compliance.gateway import OutboundMessage, submit
from scrm.compliance.vocabulary import InvalidMessage
from scrm.db import db, is_postgres
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.groups.models import GROUP_NORMAL, CustomerGroup
from scrm.outbox.kinds import MASS_MESSAGE
from scrm.sop.models import (
    AUTO,
    TASK_BLOCKED,
    TASK_CANCELLED,
    TASK_CONFLICT,
    TASK_PENDING,
    TASK_QUEUED,
    SopTask,
)
from scrm.sop.tasks.daily_limit import day_holder, local_day_of
from scrm.sop.tasks.notices import tell_holder_step_blocked
from scrm.sop.templates.loader import read_library, template_directory

log = logging.getLogger(__name__)

ORIGIN = "sop"
DEFAULT_GRACE_MINUTES = 60
#: Auto tasks that hold their group's one mass message of the day.
TAKEN = "taken"  # another worker settled the task first; nothing written


class StepContentError(ScrmError, ValueError):
    """A step whose content cannot be sent as a mass message; the message names the fix."""


# ---- what a task means ---------------------------------------------------------------------


def step_of(task: SopTask) -> dict[str, Any]:
    """The template step a task was made from.

    :raise StepContentError: the template version no longer has that step.
    """
    step_id = task.step_key.split("/", 1)[-1]
    for step in task.assignment.template.steps:
        if step.get("key") == task.step_key or step.get("id") == step_id:
            return step
    raise StepContentError(
        f"template {task.assignment.template.name} v{task.assignment.template.version} has no "
        f"step {step_id!r}; assign a version that has it or cancel the task"
    )


def grace_deadline(task: SopTask, step: dict[str, Any]) -> datetime:
    """The last moment the task counts as done on time (due time + the step's grace)."""
    minutes = step.get("grace_minutes", DEFAULT_GRACE_MINUTES)
    return task.due_at + timedelta(minutes=int(minutes))


def local_day(task: SopTask) -> tuple[datetime, datetime]:
    """The start and end of the task's due day in the assignment's time zone."""
    return local_day_of(task.due_at, task.assignment.timezone)


def resolve_library_content(content: Any) -> Any:
    """A step's content with a library reference (``{"msgtype": "library", "ref": …}``) replaced
    by the snippet's current text, read when the step is sent, so an HQ edit of the snippet
    reaches every group from then on.

    :raise StepContentError: the reference names no snippet (it was removed since publishing).
    """
    if not isinstance(content, dict) or content.get("msgtype") != "library":
        return content
    snippets, _ = read_library(template_directory())
    snippet = snippets.get(content.get("ref"))
    if snippet is None:
        raise StepContentError(
            f"library snippet {content.get('ref')!r} is not in sop_templates/library.yaml any "
            "more; add it back or change the step"
        )
    return {"msgtype": "text", "text": snippet["text"]}


def mass_message_body(content: dict[str, Any], *, sender: str, chat_id: str) -> dict[str, Any]:
    """The ``add_msg_template`` body that sends a step's content to one customer group.

    :param content: the step's content: ``{"msgtype": "text", "text": …}`` or an attachment
        (``image``/``link``/``miniprogram``) with its section and an optional ``text`` caption.
    :raise StepContentError: content that is not a text or a known attachment.
    """
    if not isinstance(content, dict):
        raise StepContentError("the step has no content; add text or an attachment")
    msgtype = content.get("msgtype", "text")
    body: dict[str, Any] = {"chat_type": "group", "sender": sender, "chat_id_list": [chat_id]}
    text = content.get("text")
    if isinstance(text, dict):
        text = text.get("content")
    if text is not None and not isinstance(text, str):
        raise StepContentError('the step\'s text must be a string, e.g. text: "早上好"')
    if text:
        body["text"] = {"content": text}
    if msgtype != "text":
        if msgtype not in ("image", "link", "miniprogram"):
            raise StepContentError(
                f"content msgtype {msgtype!r} cannot go as a mass message; use text, image, "
                "link or miniprogram (a content-library reference must be resolved first)"
            )
        section = content.get(msgtype)
        if not isinstance(section, dict):  # the template's flat form: {"msgtype", "title", …}
            section = {k: v for k, v in content.items() if k not in ("msgtype", "text")}
        if msgtype == "image" and not (section.get("media_id") or section.get("pic_url")):
            raise StepContentError(
                f"image material {section.get('media')!r} has no WeCom media_id yet; upload it "
                "through the content library (upload_attachment) before the step is due"
            )
        body["attachments"] = [{"msgtype": msgtype, msgtype: section}]
    elif not text:
        raise StepContentError("the step's text is empty; write the message")
    return body


# ---- auto steps ------------------------------------------------------------------------------


def settle_task(task_id: int, statuses: tuple[str, ...], **values: Any) -> bool:
    """Write ``values`` to a task only while its status is one of ``statuses``; flushes.

    :return: False when another worker moved the task first (nothing written).
    """
    done = db.session.execute(
        update(SopTask)
        .where(SopTask.id == task_id, SopTask.status.in_(statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def lock_group(group_id: int) -> CustomerGroup:
    # Serialises two workers' auto tasks of one group, so both cannot take the day's message.
    # On SQLite the task's guarded UPDATE already holds the database's one write lock.
    query = select(CustomerGroup).where(CustomerGroup.id == group_id)
    if is_postgres():
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def execute_auto_task(task_id: int, now: datetime) -> str:
    """Send one due auto task to its group through the gate; flushes, the caller commits.

    The task is first moved out of ``pending`` by a guarded UPDATE, so a second worker gets
    :data:`TAKEN` and writes nothing.

    :param task_id: a pending auto task.
    :param now: the current time (the clock's, passed in so tests can move it).
    :return: the task's new status, or :data:`TAKEN`.
    """
    if not settle_task(task_id, (TASK_PENDING,), status=TASK_QUEUED):
        return TAKEN
    task = db.session.get(SopTask, task_id, populate_existing=True)
    group = lock_group(task.group_id)
    if group.status != GROUP_NORMAL or group.removed_at is not None:
        return _finish(task, TASK_CANCELLED, now, "the customer group was dismissed in WeCom")
    owner = db.session.get(Staff, group.owner_id) if group.owner_id else None
    if owner is None:
        return _finish(task, TASK_BLOCKED, now, "the group has no known owner; run scrm sync")
    start, end = local_day(task)
    holder = day_holder(task.group_id, start, end, except_task=task.id)
    if holder is not None:
        note = (
            f"WeCom allows one mass message per customer group per day; {holder} already "
            f"holds {start.date().isoformat()}: move one of the steps to another day"
        )
        return _finish(task, TASK_CONFLICT, now, note)
    try:
        step = step_of(task)
        content = resolve_library_content(step.get("content"))
        body = mass_message_body(content, sender=owner.userid, chat_id=group.chat_id)
        attachments = body.get("attachments") or []
        result = submit(
            OutboundMessage(
                channel="group",
                origin=ORIGIN,
                sender_userid=owner.userid,
                text=(body.get("text") or {}).get("content"),
                delivery_kind=MASS_MESSAGE,
                delivery_payload=body,
                chat_ids=[group.chat_id],
                msgtype=attachments[0]["msgtype"] if attachments else "text",
                attachments=attachments,
                idempotency_key=f"sop:{task.id}",
                attempted_by=f"sop:{task.step_key}",
            )
        )
    except (StepContentError, InvalidMessage) as exc:
        return _finish(task, TASK_BLOCKED, now, f"content cannot be sent: {exc}")
    if result.decision == "block":
        note = (
            f"blocked by the compliance gate: {explain_hits(result.hits)} — change the step's "
            "content in the template and publish a new version"
        )
        status = _finish(
            task, TASK_BLOCKED, now, note, archived_message_id=result.archived_message_id
        )
        tell_holder_step_blocked(task, result.hits)
        return status
    if result.needs_confirmation:
        note = (
            f"needs a confirmed reason: {explain_hits(result.hits)} — SOP content is written by "
            "HQ, so reword the step in the template instead of confirming each send"
        )
        return _finish(
            task, TASK_BLOCKED, now, note, archived_message_id=result.archived_message_id
        )
    task.archived_message_id = result.archived_message_id
    task.delivery_id = result.delivery_id
    db.session.flush()
    return TASK_QUEUED


def _finish(task: SopTask, status: str, now: datetime, note: str, **values: Any) -> str:
    task.status, task.note, task.finished_at = status, note, now
    for name, value in values.items():
        setattr(task, name, value)
    db.session.flush()
    log.info("sop task %s: %s", task.id, status)  # the note may quote content: not logged
    return status


def run_due_tasks(now: datetime, *, limit: int = 1000) -> dict[str, int]:
    """Send every pending auto task due by ``now``; a job: commits after each task.

    :param now: the current time.
    :param limit: tasks handled in one run (the rest wait for the next minute).
    :return: counts by outcome (``queued``, ``blocked``, ``conflict``, ``cancelled``,
        ``taken``, ``error``).
    """
    ids = db.session.scalars(
        select(SopTask.id)
        .where(SopTask.mode == AUTO, SopTask.status == TASK_PENDING, SopTask.due_at <= now)
        .order_by(SopTask.due_at, SopTask.id)
        .limit(limit)
    ).all()
    db.session.rollback()  # hold no read transaction while others write
    counts: Counter[str] = Counter()
    for task_id in ids:
        try:
            counts[execute_auto_task(task_id, now)] += 1
            # commit in steps: promptly, the archive's chain lock is held until now
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sop task %s could not be executed; retried next run", task_id)
            counts["error"] += 1
    return dict(counts)
