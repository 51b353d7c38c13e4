"""Assigning SOP templates to groups, choosing groups, group roles, and what happens to roles
and tasks when staff leave the bank."""

from __future__ import annotations

import pytest
from helpers import shanghai
from sop_steps import MONDAY, cron_step, day_step
from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.groups.services import dismiss_group
from scrm.sop.assignments.services import (
    AssignmentError,
    assign_role,
    assign_template,
    groups_by_branch,
    groups_by_ids,
    groups_by_name_pattern,
    pause_sop,
    reassign_departed_holders,
    stop_sop,
)
from scrm.sop.models import (
    ACTIVE,
    STOPPED,
    TASK_CANCELLED,
    TASK_DONE,
    GroupRoleHolder,
    SopAssignment,
    SopTask,
)
from scrm.sop.tasks.materialise import materialise_due_tasks


@pytest.fixture
def bank(sop_bank, create_group, create_template):
    bank = sop_bank
    bank["groups"] = [
        create_group(bank["rm"], "陆家嘴·新客欢迎群🎉"),
        create_group(bank["rm"], "陆家嘴·理财沙龙群"),
        create_group(bank["beijing_rm"], "北京·理财沙龙群"),
    ]
    bank["template"] = create_template(
        "new_customer_welcome", [day_step("day1", 1, "09:30", role="助理")]
    )
    return bank


def holders(group) -> dict[str, int]:
    rows = db.session.scalars(select(GroupRoleHolder).where(GroupRoleHolder.group_id == group.id))
    return {row.role: row.staff_id for row in rows}


def test_branch_selection_takes_every_group_owned_below_the_branch(bank):
    shanghai_groups = groups_by_branch(2)
    assert [g.name for g in shanghai_groups] == ["陆家嘴·新客欢迎群🎉", "陆家嘴·理财沙龙群"]
    assert len(groups_by_branch(1)) == 3
    dismiss_group(bank["groups"][0].chat_id, utcnow())
    assert [g.name for g in groups_by_branch(2)] == ["陆家嘴·理财沙龙群"]
    with pytest.raises(AssignmentError, match="department 99 is unknown; run `scrm sync`"):
        groups_by_branch(99)


def test_name_pattern_and_chat_ids_pick_exactly_the_groups_named(bank):
    assert [g.name for g in groups_by_name_pattern("*理财沙龙*")] == [
        "陆家嘴·理财沙龙群",
        "北京·理财沙龙群",
    ]
    assert groups_by_name_pattern("陆家嘴%") == []  # % is a character here, not a wildcard
    ids = [bank["groups"][2].chat_id, bank["groups"][0].chat_id]
    assert [g.chat_id for g in groups_by_ids(ids)] == ids
    with pytest.raises(AssignmentError, match="no open group with chat id wrUnknown"):
        groups_by_ids([ids[0], "wrUnknown"])
    with pytest.raises(AssignmentError, match="e.g. 财富沙龙"):
        groups_by_name_pattern("**")


def test_assigning_gives_every_role_to_the_owner_unless_someone_holds_it(bank):
    group = bank["groups"][0]
    assign_role(group, "助理", bank["assistant"])
    [assignment] = assign_template(
        bank["template"], [group], start_date=MONDAY, assigned_by="hq.ops"
    )
    assert (assignment.status, assignment.timezone, assignment.assigned_by) == (
        ACTIVE,
        "Asia/Shanghai",
        "hq.ops",
    )
    assert holders(group) == {
        "群主": bank["rm"].id,
        "理财经理": bank["rm"].id,
        "助理": bank["assistant"].id,
    }
    materialise_due_tasks(shanghai(MONDAY, 9, 30))
    assert db.session.scalars(select(SopTask.assignee_id)).one() == bank["assistant"].id


def test_assigning_again_stops_the_previous_sop_with_a_reason(bank, create_template):
    group = bank["groups"][0]
    [first] = assign_template(bank["template"], [group], start_date=MONDAY)
    salon = create_template("wealth_salon", [cron_step("salon", ["wed"], "20:00")])
    [second] = assign_template(salon, [group], start_date=MONDAY)
    db.session.commit()
    assert first.status == STOPPED and first.stop_reason == "replaced by wealth_salon v1"
    running = db.session.scalars(select(SopAssignment).where(SopAssignment.status != STOPPED)).all()
    assert running == [second]


def test_bad_assignments_are_refused_with_the_fix(bank):
    group = bank["groups"][0]
    with pytest.raises(AssignmentError, match="use an IANA name such as Asia/Shanghai"):
        assign_template(bank["template"], [group], start_date=MONDAY, timezone="北京时间")
    with pytest.raises(AssignmentError, match="no groups to assign"):
        assign_template(bank["template"], [], start_date=MONDAY)
    dismiss_group(group.chat_id, utcnow())
    with pytest.raises(AssignmentError, match=f"{group.chat_id} are dismissed.*leave them out"):
        assign_template(bank["template"], [group], start_date=MONDAY)
    with pytest.raises(AssignmentError, match="runs no SOP; assign a template first"):
        pause_sop(bank["groups"][1])
    bank["assistant"].status = 5
    with pytest.raises(AssignmentError, match="周助理 .* has left the bank"):
        assign_role(bank["groups"][1], "助理", bank["assistant"])


def test_stopping_keeps_history_and_cancels_only_what_was_not_sent(bank, create_template):
    group = bank["groups"][0]
    steps = [day_step("day1", 1, "09:30"), day_step("day1_noon", 1, "12:00")]
    assign_template(create_template("welcome2", steps), [group], start_date=MONDAY)
    materialise_due_tasks(shanghai(MONDAY, 9, 30))
    materialise_due_tasks(shanghai(MONDAY, 12))
    first = db.session.scalars(select(SopTask).order_by(SopTask.due_at)).first()
    first.status = TASK_DONE
    stop_sop(group, "客户要求停止推送")
    db.session.commit()
    states = db.session.execute(select(SopTask.status, SopTask.note).order_by(SopTask.due_at))
    assert list(states) == [(TASK_DONE, None), (TASK_CANCELLED, "SOP stopped: 客户要求停止推送")]
    assign_template(bank["template"], [group], start_date=MONDAY)
    with pytest.raises(AssignmentError, match="say why"):
        stop_sop(group, " ")


def test_a_departed_assistant_hands_roles_and_open_tasks_to_the_owner(bank):
    group = bank["groups"][0]
    assign_role(group, "助理", bank["assistant"])
    assign_template(bank["template"], [group], start_date=MONDAY)
    materialise_due_tasks(shanghai(MONDAY, 9, 30))
    bank["assistant"].removed_at = utcnow()  # HR removed her from the directory
    db.session.commit()

    counts = materialise_due_tasks(shanghai(MONDAY, 9, 31))  # the clock runs the handover
    assert (counts["roles_moved"], counts["tasks_moved"]) == (1, 1)
    assert holders(group)["助理"] == bank["rm"].id
    assert db.session.scalars(select(SopTask.assignee_id)).one() == bank["rm"].id


def test_when_the_owner_left_too_the_branch_lead_takes_over(bank):
    group = bank["groups"][0]
    assign_role(group, "助理", bank["assistant"])
    assign_template(bank["template"], [group], start_date=MONDAY)
    materialise_due_tasks(shanghai(MONDAY, 9, 30))
    for who in ("assistant", "rm"):
        bank[who].status = 5  # 已退出企业
    db.session.commit()

    counts = reassign_departed_holders()
    db.session.commit()
    lead = bank["lead"].id
    assert set(holders(group).values()) == {lead}
    assert counts["roles_moved"] == 3 and counts["tasks_moved"] == 1
    assert db.session.scalars(select(SopTask.assignee_id)).one() == lead


def test_nobody_to_take_over_leaves_the_role_with_its_holder_and_says_so(bank):
    group = bank["groups"][2]  # 北京分行 has no branch lead
    assign_template(bank["template"], [group], start_date=MONDAY)
    materialise_due_tasks(shanghai(MONDAY, 9, 30))
    db.session.get(Staff, bank["beijing_rm"].id).removed_at = utcnow()
    db.session.commit()
    counts = reassign_departed_holders()
    assert counts["without_successor"] == 4  # 3 roles + 1 task: kept, not dropped
    assert db.session.scalars(select(SopTask.assignee_id)).one() == bank["beijing_rm"].id
