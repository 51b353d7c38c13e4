"""Acquisition figures: bulk-add conversion per RM or per branch, and adds per channel.

Conversion (转化率) = added / imported, over the tasks created in the period (all time when no
period is given). Branches are the depth-2 departments (HQ → 分行), as in the SOP metrics.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select

from scrm.acquisition.models import (
    TASK_ADDED,
    TASK_PENDING,
    AcquisitionChannel,
    AddTask,
    ChannelAttribution,
)
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.services import branch_of_departments

LEVELS = ("rm", "branch")


def conversion_report(
    level: str = "rm",
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    staff_ids: set[int] | None = None,
) -> list[dict]:
    """Imported, added, pending and rate, per RM or per branch.

    :param staff_ids: only these RMs' tasks (an RM's own report, a branch lead's scope).
    :raise ValueError: an unknown level.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    query = (
        select(
            Staff.id,
            Staff.userid,
            Staff.name,
            Staff.department_id,
            func.count(AddTask.id),
            func.sum(case((AddTask.status == TASK_ADDED, 1), else_=0)),
            func.sum(case((AddTask.status == TASK_PENDING, 1), else_=0)),
        )
        .join(AddTask, AddTask.staff_id == Staff.id)
        .group_by(Staff.id, Staff.userid, Staff.name, Staff.department_id)
        .order_by(Staff.userid)
    )
    if since is not None:
        query = query.where(AddTask.created_at >= since)
    if until is not None:
        query = query.where(AddTask.created_at < until)
    if staff_ids is not None:
        query = query.where(Staff.id.in_(staff_ids or [-1]))
    rows = db.session.execute(query).all()
    if level == "rm":
        return [
            _figures({"rm": userid, "name": name}, imported, added, pending)
            for _, userid, name, _, imported, added, pending in rows
        ]
    branch_of = branch_of_departments()
    names = dict(db.session.execute(select(Department.id, Department.name)).all())
    totals: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for _, _, _, department_id, imported, added, pending in rows:
        branch = branch_of.get(department_id) if department_id is not None else None
        for i, value in enumerate((imported, added or 0, pending or 0)):
            totals[branch][i] += value
    return [
        _figures({"branch_id": b, "branch": names.get(b, "（无部门）")}, *totals[b])
        for b in sorted(totals, key=lambda b: (b is None, b or 0))
    ]


def _figures(key: dict, imported: int, added: int | None, pending: int | None) -> dict:
    added, pending = int(added or 0), int(pending or 0)
    rate = round(added / imported, 4) if imported else 0.0
    return key | {"imported": int(imported), "added": added, "pending": pending, "rate": rate}


def channel_report() -> list[dict]:
    """Adds per channel (and per unknown state), with what became of their welcome messages."""
    rows = db.session.execute(
        select(
            ChannelAttribution.channel_id,
            ChannelAttribution.state,
            ChannelAttribution.welcome_status,
            func.count(ChannelAttribution.id),
        ).group_by(
            ChannelAttribution.channel_id,
            ChannelAttribution.state,
            ChannelAttribution.welcome_status,
        )
    ).all()
    channels = {c.id: c for c in db.session.scalars(select(AcquisitionChannel))}
    report: dict[str, dict] = {}
    for channel_id, state, welcome, count in rows:
        channel = channels.get(channel_id)
        entry = report.setdefault(
            state,
            {
                "state": state,
                "channel_id": channel_id,
                "name": channel.name if channel else "未知渠道 (unknown channel)",
                "kind": channel.kind if channel else None,
                "adds": 0,
                "welcome": {},
            },
        )
        entry["adds"] += count
        key = welcome or "none"
        entry["welcome"][key] = entry["welcome"].get(key, 0) + count
    return sorted(report.values(), key=lambda e: (-e["adds"], e["state"]))
