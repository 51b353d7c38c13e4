"""The SOP clock's task rows, shared by the scheduled steps (:mod:`.materialise`) and the
``inactive`` event steps (:mod:`.inactivity`): a template's steps, who a task goes to, the row
of one occurrence with the catch-up policy applied, and the insert that creates each
(group, step, occurrence) once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from scrm.db import db, insert_unless_present
from scrm.groups.models import CustomerGroup
from scrm.sop.models import TASK_PENDING, TASK_SKIPPED, GroupRoleHolder, SopTask, SopTemplate

#: Minutes a step may be created after its due time and still count as on time, when the
#: step names no grace window.
DEFAULT_GRACE_MINUTES = 60

LATE_NOTE = "created late after downtime"
SKIPPED_NOTE = "skipped: the clock reached it {minutes} min after its due time, past its {grace}-minute grace window (catch-up policy: skip)"  # noqa: E501


def catch_up(step: dict, due_at: datetime, now: datetime) -> tuple[str, str | None]:
    """The status and note of a task created at ``now`` for an occurrence due at ``due_at``.

    Within the step's grace window it is an ordinary pending task. Past it, the step's
    catch-up policy decides: ``late`` (the default) creates it pending with a note, ``skip``
    records it as skipped with the reason.
    """
    policy = step.get("catch_up") or {}
    grace = policy.get("grace_minutes", step.get("grace_minutes"))
    grace = DEFAULT_GRACE_MINUTES if grace is None else int(grace)
    lateness = now - due_at
    if lateness <= timedelta(minutes=grace):
        return TASK_PENDING, None
    if policy.get("policy") == "skip":
        minutes = int(lateness.total_seconds() // 60)
        return TASK_SKIPPED, SKIPPED_NOTE.format(minutes=minutes, grace=grace)
    return TASK_PENDING, LATE_NOTE


def insert_tasks(rows: list[dict], connection: Connection | None = None) -> Counter:
    """Insert task rows, leaving alone every (group, step, occurrence) already stored (flushes).

    :return: counts of the rows this call inserted: ``created``, ``late``, ``skipped``.
    """
    counts: Counter[str] = Counter()
    if not rows:
        return counts
    db.session.flush()
    connection = connection if connection is not None else db.session.connection()
    # Only the rows inserted come back: their status and note make the counts.
    statement = insert_unless_present(
        SopTask.__table__,
        ["group_id", "step_key", "occurrence"],
        dialect=connection.dialect.name,
        returning=["status", "note"],
    )
    for chunk in _chunks(rows, 2000):
        for status, note in connection.execute(statement, chunk):
            counts["skipped" if status == TASK_SKIPPED else "late" if note else "created"] += 1
    return counts


def task_row(
    assignment_id: int, group_id: int, step: dict, key: str, due: datetime, now: datetime
) -> dict:
    """The ``sop_task`` row of one occurrence of ``step`` due at ``due``, created at ``now``,
    with the catch-up policy applied; ``assignee_id`` is left to the caller."""
    status, note = catch_up(step, due, now)
    return {
        "assignment_id": assignment_id,
        "group_id": group_id,
        "step_key": step["key"],
        "occurrence": key,
        "due_at": due.astimezone(UTC),
        "mode": step["mode"],
        "role": step["role"],
        "status": status,
        "note": note,
        "created_at": now,
        "finished_at": now if status == TASK_SKIPPED else None,
    }


def template_steps(template_ids: Iterable[int]) -> dict[int, list[dict]]:
    """The steps of each template, by template id."""
    found = db.session.execute(
        select(SopTemplate.id, SopTemplate.steps).where(SopTemplate.id.in_(list(template_ids)))
    ).all()
    return {template_id: list(steps or ()) for template_id, steps in found}


def assignee_lookup(group_ids: Sequence[int]) -> Callable[[int, str], int | None]:
    """A lookup (group, role) → staff id over these groups: the role holder, else the group
    owner (read at once, so a batch of tasks costs two queries per 500 groups)."""
    holders: dict[tuple[int, str], int] = {}
    owners: dict[int, int | None] = {}
    for chunk in _chunks(list(group_ids), 500):
        holders.update(
            ((group_id, role), staff_id)
            for group_id, role, staff_id in db.session.execute(
                select(
                    GroupRoleHolder.group_id, GroupRoleHolder.role, GroupRoleHolder.staff_id
                ).where(GroupRoleHolder.group_id.in_(chunk))
            )
        )
        owners.update(
            db.session.execute(
                select(CustomerGroup.id, CustomerGroup.owner_id).where(CustomerGroup.id.in_(chunk))
            ).all()
        )
    return lambda group_id, role: holders.get((group_id, role), owners.get(group_id))


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
