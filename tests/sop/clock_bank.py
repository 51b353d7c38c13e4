"""A small fictional bank for the SOP clock tests: 星河银行 HQ, a branch, a sub-branch, their
staff and customer groups, written straight to the database (no sync needed), and templates
with steps in the shape the template parser publishes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.groups.models import CustomerGroup
from scrm.sop.models import SopTemplate

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)

_ids = itertools.count(1)


def shanghai(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI).astimezone(
        UTC
    )


def make_bank() -> dict:
    """HQ (1) → 上海分行 (2) → 陆家嘴支行 (3); an RM, an assistant and a branch lead."""
    hq = Department(id=1, name="星河银行")
    branch = Department(id=2, name="上海分行", parent_id=1)
    sub_branch = Department(id=3, name="陆家嘴支行", parent_id=2)
    other_branch = Department(id=4, name="北京分行", parent_id=1)
    db.session.add_all([hq, branch, sub_branch, other_branch])
    db.session.flush()
    rm = Staff(userid="lin.xiaomei", name="林小美", department_id=3)
    assistant = Staff(userid="zhou.zhuli", name="周助理", department_id=3)
    lead = Staff(userid="chen.hang", name="陈行长", department_id=2)
    beijing_rm = Staff(userid="zhao.bj", name="赵北京", department_id=4)
    db.session.add_all([rm, assistant, lead, beijing_rm])
    db.session.flush()
    db.session.add(StaffRole(staff_id=lead.id, role="branch_lead"))
    db.session.add(StaffRole(staff_id=rm.id, role="rm"))
    db.session.flush()
    return {"rm": rm, "assistant": assistant, "lead": lead, "beijing_rm": beijing_rm}


def make_group(owner: Staff, name: str) -> CustomerGroup:
    """An open customer group owned by ``owner``."""
    group = CustomerGroup(chat_id=f"wrOgQhDgAA{next(_ids):06d}", name=name, owner_id=owner.id)
    db.session.add(group)
    db.session.flush()
    return group


def day_step(step_id: str, day: int, at: str, *, role: str = "理财经理", **extra) -> dict:
    return _step(step_id, {"type": "day", "day": day, "time": at}, role, **extra)


def cron_step(step_id: str, days: list[str], at: str, *, role: str = "理财经理", **extra) -> dict:
    return _step(step_id, {"type": "cron", "days": days, "time": at}, role, **extra)


def event_step(step_id: str, event: str, *, delay_minutes: int = 0, **extra) -> dict:
    trigger = {"type": "event", "event": event, "delay_minutes": delay_minutes}
    return _step(step_id, trigger, "群主", **extra)


def _step(step_id, trigger, role, *, policy="late", grace=120, mode="todo") -> dict:
    return {
        "id": step_id,
        "trigger": trigger,
        "role": role,
        "mode": mode,
        "content": {"text": "早安！今日市场速递：沪深300小幅上涨，理财有风险，投资需谨慎。"},
        "catch_up": {"policy": policy, "grace_minutes": grace},
        "grace_minutes": 60,
        "locked": False,
    }


def make_template(name: str, steps: list[dict], roles=("理财经理", "助理")) -> SopTemplate:
    """A published template version holding ``steps`` (keys filled in as the parser does)."""
    for step in steps:
        step["key"] = f"{name}/{step['id']}"
    template = SopTemplate(
        name=name,
        version=1,
        title="新客欢迎群七日陪伴",
        roles=list(roles),
        steps=steps,
        locked_steps=[],
        source_file=f"sop_templates/{name}.yaml",
        content_hash="0" * 64,
    )
    db.session.add(template)
    db.session.flush()
    return template
