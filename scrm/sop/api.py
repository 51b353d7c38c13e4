"""The SOP JSON API under ``/api/sop/``: the URL table and thin handlers.

Every route names one permission from :data:`scrm.auth.PERMISSIONS`; every group it touches
is checked against :func:`scrm.groups.access.visible_groups`. Handlers never commit: the request
commits once it answered (:mod:`scrm.db`), and domain errors render themselves.
"""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scrm.auth import current_staff, require
from scrm.db import db, utcnow
from scrm.errors import ScrmError
from scrm.groups.access import visible_groups
from scrm.groups.models import CustomerGroup
from scrm.sop import payloads
from scrm.sop.assignments import payloads as api_assign
from scrm.sop.assignments.services import (
    assign_once,
    find_template,
    pause_sop,
    resume_sop,
)
from scrm.sop.models import SopAssignment, SopTask, SopTemplate
from scrm.sop.tasks.todos import complete_todo

bp = Blueprint("sop_api", __name__, url_prefix="/api/sop")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/templates", list_templates),
        ("GET", "/templates/<name>", show_template),
        ("GET", "/assignments", list_assignments),
        ("POST", "/assignments", create_assignments),
        ("POST", "/groups/<chat_id>/pause", pause_group),
        ("POST", "/groups/<chat_id>/resume", resume_group),
        ("GET", "/groups/<chat_id>/tasks", list_group_tasks),
        ("GET", "/tasks", list_tasks),
        ("POST", "/tasks/<int:task_id>/complete", complete_task),
        ("GET", "/metrics", show_metrics),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("sop.templates.read")
def list_templates():
    """The current version of every template, with its lineage (extends, branch)."""
    rows = db.session.scalars(select(SopTemplate).order_by(SopTemplate.name, SopTemplate.version))
    current: dict[str, SopTemplate] = {}
    versions: dict[str, list[int]] = {}
    for row in rows:
        current[row.name] = row
        versions.setdefault(row.name, []).append(row.version)
    return {
        "templates": [
            payloads.template(row) | {"versions": versions[name]} for name, row in current.items()
        ]
    }


@require("sop.templates.read")
def show_template(name: str):
    """Every published version of one template, with its steps and the variants derived."""
    rows = db.session.scalars(
        select(SopTemplate).where(SopTemplate.name == name).order_by(SopTemplate.version)
    ).all()
    if not rows:
        raise ScrmError(
            f'no published template "{name}"; see GET /api/sop/templates', status_code=404
        )
    variants = db.session.scalars(
        select(SopTemplate).where(SopTemplate.parent_id.in_([row.id for row in rows]))
    )
    return {
        "name": name,
        "current_version": rows[-1].version,
        "versions": [payloads.template(row, with_steps=True) for row in rows],
        "variants": sorted({f"{v.name}@{v.version}" for v in variants}),
    }


@require("sop.tasks.read")
def list_assignments():
    """Assignments of the groups the caller sees; ``?group=CHAT_ID`` for one group's history,
    ``?status=active|paused|stopped``."""
    query = select(SopAssignment).join(SopAssignment.group).where(_in_scope(CustomerGroup.id))
    if chat_id := request.args.get("group"):
        query = query.where(CustomerGroup.chat_id == chat_id)
    if status := payloads.assignment_status(request.args.get("status")):
        query = query.where(SopAssignment.status == status)
    query = payloads.page(query.order_by(SopAssignment.id.desc()))
    return {"assignments": [payloads.assignment(row) for row in db.session.scalars(query)]}


@require("sop.assign")
def create_assignments():
    """Assign a template version to groups by branch, name pattern or chat ids.

    Groups already running that version from that start date are left as they are, so a
    form posted twice assigns once.
    """
    staff = current_staff()
    wanted = api_assign.assignment_request(request.get_json(silent=True))
    groups = api_assign.select_groups(wanted.selector, staff)
    template = find_template(wanted.template, wanted.version)
    try:
        created, unchanged = assign_once(
            template, groups, wanted.start_date, wanted.timezone, assigned_by=staff.userid
        )
        db.session.flush()  # a concurrent assignment is refused here, not after answering
    except IntegrityError:
        raise ScrmError(
            "another request assigned these groups at the same moment; reload and check",
            status_code=409,
        ) from None
    return {
        "template": template.name,
        "version": template.version,
        "assigned": [payloads.assignment(row) for row in created],
        "already_running": [group.chat_id for group in unchanged],
    }, (201 if created else 200)


@require("sop.assign")
def pause_group(chat_id: str):
    """Pause the group's SOP (暂停); nothing due before the pause is lost."""
    group = _visible_group(chat_id)
    return _change_running(lambda: pause_sop(group, now=utcnow()))


@require("sop.assign")
def resume_group(chat_id: str):
    """Resume the group's SOP (恢复); ``{"replay": true}`` also creates what fell due paused."""
    group = _visible_group(chat_id)
    replay = payloads.flag(request.get_json(silent=True), "replay")
    return _change_running(lambda: resume_sop(group, replay=replay, now=utcnow()))


@require("sop.tasks.read")
def list_tasks():
    """Tasks in the caller's groups; ``?mine=1`` only those assigned to the caller, filtered by
    ``status`` and local ``date`` (YYYY-MM-DD)."""
    staff = current_staff()
    query = select(SopTask).join(CustomerGroup, CustomerGroup.id == SopTask.group_id)
    if payloads.flag(request.args, "mine"):
        query = query.where(SopTask.assignee_id == staff.id)
    else:
        query = query.where(_in_scope(SopTask.group_id))
    return _tasks(query)


@require("sop.tasks.read")
def list_group_tasks(chat_id: str):
    """One group's tasks, filtered by ``status`` and local ``date``."""
    group = _visible_group(chat_id)
    query = select(SopTask).join(CustomerGroup, CustomerGroup.id == SopTask.group_id)
    return _tasks(query.where(SopTask.group_id == group.id))


@require("sop.todo.complete")
def complete_task(task_id: int):
    """Mark a to-do done, by its assignee or the group owner (after sending from the sidebar)."""
    staff = current_staff()
    task = db.session.get(SopTask, task_id)
    if task is None:
        raise ScrmError(f"no SOP task {task_id}; see GET /api/sop/tasks?mine=1", status_code=404)
    owner_id = db.session.get(CustomerGroup, task.group_id).owner_id
    if staff.id not in (task.assignee_id, owner_id):
        raise ScrmError(
            f"task {task_id} is assigned to someone else; only its assignee or the group "
            "owner (群主) can complete it",
            status_code=403,
        )
    body = request.get_json(silent=True)
    archived_message_id = payloads.optional_id(body, "archived_message_id")
    status = complete_todo(task, by_staff=staff, archived_message_id=archived_message_id)
    return {"task": payloads.task(task), "status": status}


@require("sop.metrics.read")
def show_metrics():
    """Group metrics rolled up per group, RM, sub-branch or branch, within the caller's scope."""
    return payloads.metrics(request.args, current_staff())


def _in_scope(column):
    return column.in_(visible_groups(current_staff()))


def _visible_group(chat_id: str) -> CustomerGroup:
    group = db.session.scalars(
        select(CustomerGroup).where(CustomerGroup.chat_id == chat_id)
    ).first()
    if group is None:
        raise ScrmError(f"no customer group with chat id {chat_id}; check the id", status_code=404)
    if (
        db.session.scalar(visible_groups(current_staff()).where(CustomerGroup.id == group.id))
        is None
    ):
        raise ScrmError(
            f"group {group.name} ({chat_id}) is outside your scope; ask its branch lead or HQ ops",
            status_code=403,
        )
    return group


def _change_running(change):
    return {"assignment": payloads.assignment(change())}


def _tasks(query):
    query = payloads.filter_tasks(query, request.args)
    query = payloads.page(query.order_by(SopTask.due_at, SopTask.id))
    return {"tasks": [payloads.task(row) for row in db.session.scalars(query)]}


_rules()
