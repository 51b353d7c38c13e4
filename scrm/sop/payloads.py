"""What the SOP JSON API reads from query strings and writes into responses: checked filters
and paging with errors that name the field and the fix, the JSON shape of templates,
assignments and tasks, and the metrics rollup within the caller's scope."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, select

from scrm.auth import BANK_WIDE_ROLES
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.errors import ScrmError
from scrm.groups.access import visible_groups
from scrm.groups.models import CustomerGroup
from scrm.payloads import day, whole_number
from scrm.sop.metrics.services import LEVELS as METRIC_LEVELS
from scrm.sop.metrics.services import rollup
from scrm.sop.models import TASK_STATES, SopAssignment, SopTask, SopTemplate

ASSIGNMENT_STATES = ("active", "paused", "stopped")
PAGE_SIZE, MAX_PAGE_SIZE = 100, 500
MAX_METRIC_RANGE = timedelta(days=366)


def filter_tasks(query: Select, args: Mapping[str, str]) -> Select:
    """Apply ``status`` and ``date`` (a local day in SCRM_TIMEZONE) from the query string."""
    status = args.get("status")
    if status:
        if status not in TASK_STATES:
            raise ScrmError(f'"status" {status!r} is unknown; use one of {", ".join(TASK_STATES)}')
        query = query.where(SopTask.status == status)
    if args.get("date"):
        zone = ZoneInfo(current_app.config.get("SCRM_TIMEZONE", "Asia/Shanghai"))
        start = datetime.combine(parse_date(args["date"], "date"), time(0), zone)
        query = query.where(SopTask.due_at >= start, SopTask.due_at < start + timedelta(days=1))
    return query


def assignment_status(value: str | None) -> str | None:
    """A checked ``status`` filter for assignments."""
    if value and value not in ASSIGNMENT_STATES:
        raise ScrmError(f'"status" {value!r} is unknown; use one of {", ".join(ASSIGNMENT_STATES)}')
    return value or None


def page(query: Select, args: Mapping[str, str] | None = None) -> Select:
    """``limit`` (default 100, at most 500) and ``offset`` from the query string."""
    from flask import request

    args = request.args if args is None else args
    limit = whole_number(args, "limit", default=PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    return query.limit(limit).offset(whole_number(args, "offset", default=0))


def flag(source: Any, name: str) -> bool:
    """A yes/no field from a JSON body (true/false) or a query string (1/0, true/false)."""
    value = source.get(name) if isinstance(source, Mapping) else None
    if value in (None, False, "0", "false", ""):
        return False
    if value in (True, "1", "true"):
        return True
    raise ScrmError(f'"{name}" must be true or false (1 or 0 in a query string)')


def optional_id(body: Any, name: str) -> int | None:
    """An optional positive id from a JSON body."""
    value = body.get(name) if isinstance(body, dict) else None
    if value is not None and (type(value) is not int or value < 1):
        raise ScrmError(f'"{name}" must be a positive id, or left out')
    return value


def template(row: SopTemplate, *, with_steps: bool = False) -> dict[str, Any]:
    """A template version as JSON; its lineage as ``extends`` and ``branch``."""
    branch = None
    if row.branch_department_id is not None:
        department = db.session.get(Department, row.branch_department_id)
        branch = {"id": row.branch_department_id, "name": department.name if department else ""}
    data = {
        "name": row.name,
        "version": row.version,
        "title": row.title,
        "roles": list(row.roles),
        "extends": f"{row.parent.name}@{row.parent.version}" if row.parent else None,
        "branch": branch,
        "step_count": len(row.steps),
        "locked_steps": list(row.locked_steps or ()),
        "published_at": row.published_at.isoformat(),
        "published_by": row.published_by,
    }
    if with_steps:
        data["steps"] = list(row.steps)
    return data


def assignment(row: SopAssignment) -> dict[str, Any]:
    """An assignment as JSON."""
    return {
        "id": row.id,
        "chat_id": row.group.chat_id,
        "group_name": row.group.name,
        "template": row.template.name,
        "version": row.template.version,
        "start_date": row.start_date.isoformat(),
        "timezone": row.timezone,
        "status": row.status,
        "assigned_by": row.assigned_by,
        "paused_at": _iso(row.paused_at),
        "resumed_at": _iso(row.resumed_at),
        "stopped_at": _iso(row.stopped_at),
        "stop_reason": row.stop_reason,
    }


def task(row: SopTask) -> dict[str, Any]:
    """A task as JSON."""
    group = db.session.get(CustomerGroup, row.group_id)
    return {
        "id": row.id,
        "chat_id": group.chat_id,
        "group_name": group.name,
        "step_key": row.step_key,
        "occurrence": row.occurrence,
        "due_at": row.due_at.isoformat(),
        "mode": row.mode,
        "role": row.role,
        "assignee": row.assignee.userid if row.assignee else None,
        "status": row.status,
        "note": row.note,
        "finished_at": _iso(row.finished_at),
    }


def parse_date(value: Any, field: str) -> date:
    """A required day (YYYY-MM-DD) of a query string or body; see :func:`scrm.payloads.day`."""
    return day({field: value}, field, required=True)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def metrics(args: Mapping[str, str], staff: Staff) -> dict[str, Any]:
    """Group metrics per ``level`` from ``start`` to ``end`` (inclusive), within the caller's
    scope: a branch lead's departments, an RM's groups, everything for HQ."""
    level = args.get("level") or "group"
    if level not in METRIC_LEVELS:
        raise ScrmError(f'"level" {level!r} is unknown; use one of {", ".join(METRIC_LEVELS)}')
    start, end = parse_date(args.get("start"), "start"), parse_date(args.get("end"), "end")
    if end - start > MAX_METRIC_RANGE:
        raise ScrmError(f'"start" to "end" spans over {MAX_METRIC_RANGE.days} days; ask less')
    roles, scope = staff.role_names, {}
    if roles & BANK_WIDE_ROLES:
        pass
    elif roles & {"rm"} or staff.department_id is None:
        scope["group_ids"] = list(db.session.scalars(visible_groups(staff)))
    else:
        parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
        scope["department_ids"] = department_subtree(parents, staff.department_id)
    rows = rollup(level, start, end, **scope)
    return {"level": level, "start": start.isoformat(), "end": end.isoformat(), "rows": rows}
