"""Assigning SOP templates through the API: the checked request, the groups a selector picks
within the caller's scope, and an assignment that a repeated request does not repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select

from scrm.auth import BANK_WIDE_ROLES
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.errors import ScrmError
from scrm.groups.access import visible_groups
from scrm.groups.models import CustomerGroup
from scrm.payloads import time_zone
from scrm.sop.assignments.services import (
    groups_by_branch,
    groups_by_customer_tag,
    groups_by_ids,
    groups_by_name_pattern,
)
from scrm.sop.payloads import parse_date

SELECTORS = ("branch", "tag", "name_pattern", "chat_ids")


@dataclass(frozen=True)
class AssignmentRequest:
    """A checked ``POST /api/sop/assignments`` body."""

    template: str
    version: int | None
    selector: dict[str, Any]
    start_date: date
    timezone: str


def assignment_request(body: Any) -> AssignmentRequest:
    """Check an assignment body; :class:`ScrmError` (400) names the field and the fix."""
    if not isinstance(body, dict):
        raise ScrmError(
            'send a JSON object: {"template": "new_customer_welcome", "selector": '
            '{"branch": 2}, "start_date": "2026-03-02"}'
        )
    name = body.get("template")
    if not isinstance(name, str) or not name.strip():
        raise ScrmError('"template" is missing; give a template name, e.g. new_customer_welcome')
    version = body.get("version")
    if version is not None and (type(version) is not int or version < 1):
        raise ScrmError('"version" must be a whole number ≥ 1, or left out for the current one')
    selector = body.get("selector")
    if (
        not isinstance(selector, dict)
        or len(selector) != 1
        or next(iter(selector)) not in SELECTORS
    ):
        raise ScrmError(
            '"selector" must hold exactly one of {"branch": department id}, {"tag": "代发"}, '
            '{"name_pattern": "财富沙龙*"} or {"chat_ids": ["wr…"]}'
        )
    timezone = time_zone(
        body, "timezone", default=current_app.config.get("SCRM_TIMEZONE", "Asia/Shanghai")
    )
    return AssignmentRequest(
        name.strip(), version, selector, parse_date(body.get("start_date"), "start_date"), timezone
    )


def select_groups(selector: dict[str, Any], staff: Staff) -> list[CustomerGroup]:
    """The open groups a selector picks, within ``staff``'s scope.

    A branch or chat ids outside the scope are refused (403, naming them); a name pattern
    picks only the matching groups the caller may assign.
    """
    kind, value = next(iter(selector.items()))
    if kind == "branch":
        if type(value) is not int:
            raise ScrmError('"selector.branch" must be a department id (a number), e.g. 2')
        _check_branch_in_scope(value, staff)
        groups = groups_by_branch(value)
    elif kind == "tag":
        if not isinstance(value, str) or not value.strip():
            raise ScrmError('"selector.tag" must be a corp tag name, e.g. 代发')
        groups = groups_by_customer_tag(value)
    elif kind == "chat_ids":
        if not value or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ScrmError('"selector.chat_ids" must be a list of chat ids, e.g. ["wr…"]')
        groups = groups_by_ids(value)
    else:
        if not isinstance(value, str):
            raise ScrmError('"selector.name_pattern" must be text, e.g. 财富沙龙*')
        groups = groups_by_name_pattern(value)
    visible = _visible_ids(staff, [g.id for g in groups])
    outside = [g for g in groups if g.id not in visible]
    if outside and kind not in ("name_pattern", "tag"):
        names = ", ".join(f"{g.name} ({g.chat_id})" for g in outside[:5])
        raise ScrmError(f"groups {names} are outside your scope; leave them out", status_code=403)
    groups = [g for g in groups if g.id in visible]
    if not groups:
        raise ScrmError(f"no open group in your scope matches {kind} {value!r}; check it")
    return groups


def _check_branch_in_scope(department_id: int, staff: Staff) -> None:
    if staff.role_names & BANK_WIDE_ROLES:
        return
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    own = staff.department_id
    if own is not None and department_id in department_subtree(parents, own):
        return
    asked = db.session.get(Department, department_id)
    mine = db.session.get(Department, own) if own is not None else None
    raise ScrmError(
        f"department {department_id} ({asked.name if asked else 'unknown'}) is outside your "
        f"branch {mine.name if mine else '(none)'}; assign groups of your own branch",
        status_code=403,
    )


def _visible_ids(staff: Staff, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(db.session.scalars(visible_groups(staff).where(CustomerGroup.id.in_(chunk))))
    return found
