"""The "N days without activity" step: a quiet group gets its wake-up task once per quiet spell."""

from __future__ import annotations

from datetime import timedelta

from helpers import shanghai
from sop_steps import MONDAY, event_step
from sqlalchemy import select

from scrm.db import db
from scrm.sop.assignments.services import assign_template
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.models import SopTask
from scrm.sop.tasks.materialise import materialise_due_tasks


def _tasks(group):
    return db.session.scalars(select(SopTask).where(SopTask.group_id == group.id)).all()


def _talked(group, day, messages=5):
    db.session.add(GroupDailyMetric(group_id=group.id, day=day, messages=messages))
    db.session.commit()


def test_a_group_quiet_for_three_days_gets_one_wake_up_task(
    sop_bank, create_group, create_template
):
    group = create_group(sop_bank["rm"], "陆家嘴·理财沙龙群🌙")
    wake_up = event_step("wake_up", "inactive", delay_minutes=570)  # 09:30
    wake_up["trigger"]["days"] = 3
    assign_template(create_template("salon", [wake_up]), [group], start_date=MONDAY)
    db.session.commit()
    _talked(group, MONDAY)

    # Quiet Tuesday, Wednesday and Thursday: the step is due on Friday at 09:30.
    friday = MONDAY + timedelta(days=4)
    materialise_due_tasks(shanghai(friday, 9, 29))
    assert _tasks(group) == []
    materialise_due_tasks(shanghai(friday, 9, 30))
    materialise_due_tasks(shanghai(friday, 9, 31))  # the clock fires again
    [task] = _tasks(group)
    assert task.occurrence == f"inactive:{MONDAY.isoformat()}" and task.role == "群主"
    assert task.due_at == shanghai(friday, 9, 30)

    # Someone talks on Saturday: the next quiet spell is a new task, due on Wednesday.
    saturday = MONDAY + timedelta(days=5)
    _talked(group, saturday)
    materialise_due_tasks(shanghai(saturday + timedelta(days=3), 10))
    assert len(_tasks(group)) == 1
    materialise_due_tasks(shanghai(saturday + timedelta(days=4), 10))
    assert sorted(t.occurrence for t in _tasks(group)) == [
        f"inactive:{MONDAY.isoformat()}",
        f"inactive:{saturday.isoformat()}",
    ]


def test_a_group_that_never_spoke_counts_from_the_sop_start(
    sop_bank, create_group, create_template
):
    group = create_group(sop_bank["rm"], "新客欢迎群（静默）")
    nudge = event_step("nudge", "inactive")
    nudge["trigger"]["days"] = 2
    assign_template(create_template("welcome", [nudge]), [group], start_date=MONDAY)
    db.session.commit()
    materialise_due_tasks(shanghai(MONDAY + timedelta(days=3), 0, 1))  # Tue and Wed quiet
    [task] = _tasks(group)
    assert task.occurrence == f"inactive:{MONDAY.isoformat()}"
