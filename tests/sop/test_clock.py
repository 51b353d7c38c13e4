"""The SOP clock creates every due task exactly once: double firings, restarts, catch-up after
an outage, pauses and dismissed groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import shanghai
from sop_steps import MONDAY, cron_step, day_step, event_step
from sqlalchemy import func, select

from scrm.db import db
from scrm.groups.models import GroupMember
from scrm.groups.services import dismiss_group
from scrm.sop.assignments.services import assign_template, pause_sop, resume_sop
from scrm.sop.models import (
    STOPPED,
    TASK_CANCELLED,
    TASK_DONE,
    TASK_PENDING,
    TASK_SKIPPED,
    SopAssignment,
    SopTask,
)
from scrm.sop.tasks.materialise import (
    materialise_due_tasks,
    on_group_created,
    on_member_joined,
)
from scrm.sop.tasks.services import LATE_NOTE


@pytest.fixture
def bank(sop_bank):
    return sop_bank


def tasks() -> list[SopTask]:
    return list(db.session.scalars(select(SopTask).order_by(SopTask.due_at, SopTask.step_key)))


def test_morning_brief_is_created_at_0830_shanghai_once_though_the_clock_fires_twice(
    bank, create_group, create_template
):
    group = create_group(bank["rm"], "陆家嘴·晨间市场速递群")
    brief = cron_step("brief", ["mon", "tue", "wed", "thu", "fri"], "08:30")
    assign_template(create_template("morning_brief", [brief]), [group], start_date=MONDAY)
    db.session.commit()

    assert materialise_due_tasks(shanghai(MONDAY, 8, 29, 59))["assignments"] == 1
    assert tasks() == []
    first = materialise_due_tasks(shanghai(MONDAY, 8, 30))
    second = materialise_due_tasks(shanghai(MONDAY, 8, 30))
    assert (first["created"], second.get("created", 0)) == (1, 0)
    [task] = tasks()
    assert task.due_at.isoformat() == "2026-03-02T00:30:00+00:00"
    assert (task.occurrence, task.status, task.note) == ("2026-03-02T08:30", TASK_PENDING, None)
    assert task.step_key == "morning_brief/brief" and task.role == "理财经理"
    assert task.assignee_id == bank["rm"].id  # every role defaults to the group owner
    materialise_due_tasks(shanghai(MONDAY + timedelta(days=1), 8, 30))
    assert [t.occurrence for t in tasks()] == ["2026-03-02T08:30", "2026-03-03T08:30"]


def test_after_a_ten_minute_outage_each_task_is_created_once_with_its_catch_up_policy(
    bank, create_group, create_template
):
    group = create_group(bank["rm"], "陆家嘴·新客欢迎群🎉")
    steps = [
        day_step(f"m{minute}", 1, f"09:{minute}", policy="skip" if minute % 2 else "late", grace=5)
        for minute in range(30, 40)
    ]
    assign_template(create_template("new_customer_welcome", steps), [group], start_date=MONDAY)
    db.session.commit()
    materialise_due_tasks(shanghai(MONDAY, 9, 29))  # the last run before the worker went down

    restart = shanghai(MONDAY, 9, 40)
    counts = materialise_due_tasks(restart)
    assert materialise_due_tasks(restart + timedelta(seconds=1)).get("created", 0) == 0
    assert materialise_due_tasks(restart + timedelta(minutes=1)).get("created", 0) == 0

    found = {t.occurrence[-5:]: t for t in tasks()}
    assert sorted(found) == [f"09:{minute}" for minute in range(30, 40)]
    # More than 5 minutes late: odd minutes are skipped (recorded), even ones run late.
    for minute in range(30, 35):
        task = found[f"09:{minute}"]
        if minute % 2:
            assert task.status == TASK_SKIPPED and "grace" in task.note and task.finished_at
        else:
            assert (task.status, task.note) == (TASK_PENDING, LATE_NOTE)
    for minute in range(35, 40):  # within the grace window: ordinary pending tasks
        assert (found[f"09:{minute}"].status, found[f"09:{minute}"].note) == (TASK_PENDING, None)
    assert (counts["created"], counts["late"], counts["skipped"]) == (5, 3, 2)
    assignment = db.session.scalars(select(SopAssignment)).one()
    assert assignment.scheduled_until == restart + timedelta(minutes=1)


def test_pause_creates_nothing_while_paused_and_resume_does_not_replay(
    bank, create_group, create_template
):
    group = create_group(bank["rm"], "陆家嘴·代发工资群")
    brief = cron_step("brief", ["mon", "tue", "wed", "thu", "fri"], "08:30")
    assign_template(create_template("payroll", [brief]), [group], start_date=MONDAY)
    materialise_due_tasks(shanghai(MONDAY, 9))
    tasks()[0].status = TASK_DONE  # the RM sent Monday's brief
    db.session.commit()

    pause_sop(group, now=shanghai(MONDAY, 12))
    db.session.commit()
    for day in range(1, 4):  # Tuesday … Thursday, paused
        materialise_due_tasks(shanghai(MONDAY + timedelta(days=day), 9))
    assert [t.occurrence for t in tasks()] == ["2026-03-02T08:30"]

    resume_sop(group, now=shanghai(MONDAY + timedelta(days=3), 12))
    db.session.commit()
    materialise_due_tasks(shanghai(MONDAY + timedelta(days=4), 9))
    assert [(t.occurrence, t.status) for t in tasks()] == [
        ("2026-03-02T08:30", TASK_DONE),  # kept its state through the pause
        ("2026-03-06T08:30", TASK_PENDING),
    ]


def test_resume_with_replay_creates_the_paused_occurrences_late(
    bank, create_group, create_template
):
    group = create_group(bank["rm"], "陆家嘴·理财沙龙群")
    brief = cron_step("brief", ["mon", "tue", "wed", "thu", "fri"], "08:30", grace=120)
    assign_template(create_template("wealth_salon", [brief]), [group], start_date=MONDAY)
    db.session.commit()
    # Paused before the clock ever ran: Monday's brief, already due, is created on pausing.
    pause_sop(group, now=shanghai(MONDAY, 9))
    db.session.commit()
    assert [t.occurrence for t in tasks()] == ["2026-03-02T08:30"]
    materialise_due_tasks(shanghai(MONDAY + timedelta(days=2), 9))
    resume_sop(group, replay=True, now=shanghai(MONDAY + timedelta(days=2), 10))
    db.session.commit()
    materialise_due_tasks(shanghai(MONDAY + timedelta(days=2), 10))
    assert [(t.occurrence, t.status, t.note) for t in tasks()] == [
        ("2026-03-02T08:30", TASK_PENDING, None),
        ("2026-03-03T08:30", TASK_PENDING, LATE_NOTE),
        ("2026-03-04T08:30", TASK_PENDING, None),  # 90 minutes late: within its grace
    ]


def test_dismissed_group_stops_its_sop_and_keeps_its_history(bank, create_group, create_template):
    group = create_group(bank["rm"], "陆家嘴·新客欢迎群🎉")
    steps = [day_step("day1", 1, "09:30"), day_step("day2", 2, "09:30")]
    assign_template(create_template("new_customer_welcome", steps), [group], start_date=MONDAY)
    materialise_due_tasks(shanghai(MONDAY, 10))
    dismiss_group(group.chat_id, shanghai(MONDAY, 11))
    db.session.commit()

    counts = materialise_due_tasks(shanghai(MONDAY + timedelta(days=2), 10))
    assert counts["stopped_dismissed"] == 1 and counts.get("created", 0) == 0
    assignment = db.session.scalars(select(SopAssignment)).one()
    assert assignment.status == STOPPED and "解散" in assignment.stop_reason
    [task] = tasks()  # day 1 is kept, cancelled; day 2 never comes
    assert task.occurrence == "2026-03-02T09:30" and task.status == TASK_CANCELLED


def test_a_customer_joining_gets_one_welcome_task_however_often_the_event_arrives(
    bank, create_group, create_template
):
    group = create_group(bank["rm"], "陆家嘴·新客欢迎群🎉")
    steps = [
        event_step("welcome", "member_joined", delay_minutes=2),
        event_step("hello", "group_created"),
    ]
    assign_template(create_template("new_customer_welcome", steps), [group], start_date=MONDAY)
    customer = GroupMember(
        group_id=group.id, member_userid="wmZhangSan00000000000000000001", member_type="customer"
    )
    colleague = GroupMember(group_id=group.id, member_userid="zhou.zhuli", member_type="staff")
    db.session.add_all([customer, colleague])
    joined = shanghai(MONDAY, 10, 15)
    for _ in range(2):
        on_member_joined(group, customer, joined, now=joined)
        on_member_joined(group, colleague, joined, now=joined)
    on_group_created(group, shanghai(MONDAY, 10), now=joined)
    db.session.commit()
    found = tasks()
    assert [t.step_key for t in found] == [
        "new_customer_welcome/hello",
        "new_customer_welcome/welcome",
    ]
    welcome = found[1]
    assert welcome.due_at == joined + timedelta(minutes=2) and welcome.status == TASK_PENDING
    assert welcome.assignee_id == bank["rm"].id  # 群主
    assert db.session.scalar(select(func.count()).select_from(SopTask)) == 2
