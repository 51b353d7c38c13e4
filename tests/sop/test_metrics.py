"""Group-operation metrics per group and day, and their rollups by RM, sub-branch and branch.

星河银行's 上海分行 has two sub-branches (陆家嘴, 静安); 北京分行 has its RM directly. Members
join and leave on given days (some a minute either side of Shanghai midnight), customers and
the RM talk in the group (read from the conversation archive), SOP tasks end in every state,
and members check in. Every number is checked exactly, per group and day.
"""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import shanghai
from sop_steps import MONDAY, day_step
from sqlalchemy import select

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND, RELEASED
from scrm.archive.chain.services import append_message
from scrm.db import db
from scrm.groups.models import (
    GROUP_DISMISSED,
    MEMBER_CUSTOMER,
    MEMBER_STAFF,
    CustomerGroup,
    GroupMember,
)
from scrm.sop.assignments.services import assign_template
from scrm.sop.checkins.models import CheckIn, CheckInRecord
from scrm.sop.metrics.models import GroupDailyMetric
from scrm.sop.metrics.services import (
    COUNTS,
    compute_group_daily_metrics,
    finalise_group_daily_metrics,
    local_today,
    rollup,
)
from scrm.sop.models import SopTask
from scrm.worker.schedule import clock_jobs

D1, D2, D3 = MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
BEFORE = MONDAY - timedelta(days=10)

# group → day → (members, joins, leaves, active_speakers, messages,
#                sop_due, sop_on_time, sop_late, sop_missed, checkins)
EXPECTED = {
    "陆家嘴理财沙龙群": {
        D1: (3, 2, 1, 3, 4, 7, 1, 1, 4, 2),
        D2: (3, 1, 1, 1, 1, 2, 2, 0, 0, 1),
        D3: (3, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    },
    "静安代发群": {day: (2, 0, 0, 0, 0, 0, 0, 0, 0, 0) for day in (D1, D2, D3)},
    "北京新客欢迎群": {
        D1: (2, 0, 0, 1, 1, 0, 0, 0, 0, 0),
        D2: (2, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    },
    "周三新建的群": {D3: (1, 1, 0, 0, 0, 0, 0, 0, 0, 0)},
}


def member(group, userid: str, joined, quit=None, kind=MEMBER_CUSTOMER) -> None:
    db.session.add(
        GroupMember(
            group_id=group.id,
            member_userid=userid,
            member_type=kind,
            joined_at=joined,
            quit_at=quit,
        )
    )


def said(group, sender: str, at, *, staff: bool = False, outcome: str = INGESTED) -> None:
    """A message in the group, as the conversation archive (or the gate) stored it."""
    append_message(
        direction=OUTBOUND if staff else INBOUND,
        channel="group",
        origin="conversation_archive" if outcome == INGESTED else "sop",
        sender=sender,
        msgtype="text",
        text="请问这款理财产品的赎回规则是什么？",
        decision="pass",
        outcome=outcome,
        chat_ids=[group.chat_id],
        wecom_msgid=f"msg-{sender}-{at.timestamp():.0f}" if outcome == INGESTED else None,
        idempotency_key=None if outcome == INGESTED else f"sop-{group.id}-{at.timestamp():.0f}",
        sent_at=at if outcome == INGESTED else None,
    )


@pytest.fixture
def bank(sop_bank, create_department, create_staff, create_group, create_template):
    """Four customer groups with a week of life, and one removed before it all began."""
    people = sop_bank
    jingan_rm = create_staff("wu.jingan", "吴静安", create_department(5, "静安支行", 2))
    rm, beijing_rm = people["rm"], people["beijing_rm"]

    salon = create_group(rm, "陆家嘴理财沙龙群")
    member(salon, rm.userid, shanghai(BEFORE, 9), kind=MEMBER_STAFF)
    member(salon, "wm_wang", shanghai(D1, 10), quit=shanghai(D2, 0, 30))  # 00:30 Tuesday
    member(salon, "wm_li", shanghai(D1, 23, 30))  # local Monday, UTC 15:30
    member(salon, "wm_zhang", shanghai(BEFORE, 9), quit=shanghai(D1, 21))
    member(salon, "wm_liu", shanghai(D2, 9))

    payroll = create_group(jingan_rm, "静安代发群")
    member(payroll, jingan_rm.userid, shanghai(BEFORE, 9), kind=MEMBER_STAFF)
    member(payroll, "wm_zhao", shanghai(BEFORE, 10))

    beijing = create_group(beijing_rm, "北京新客欢迎群")
    member(beijing, beijing_rm.userid, shanghai(BEFORE, 9), kind=MEMBER_STAFF)
    member(beijing, "wm_sun", shanghai(BEFORE, 10))
    beijing.status, beijing.dismissed_at = GROUP_DISMISSED, shanghai(D2, 15)

    new = create_group(rm, "周三新建的群")
    new.created_at = shanghai(D3, 9)
    member(new, rm.userid, shanghai(D3, 9), kind=MEMBER_STAFF)

    gone = create_group(rm, "早已解散的旧群")
    gone.removed_at = shanghai(D1 - timedelta(days=5), 12)
    member(gone, rm.userid, shanghai(BEFORE, 9), kind=MEMBER_STAFF)

    said(salon, "wm_wang", shanghai(D1, 10, 5))
    said(salon, "wm_wang", shanghai(D1, 10, 6))
    said(salon, rm.userid, shanghai(D1, 10, 8), staff=True)
    said(salon, "wm_li", shanghai(D1, 23, 59))
    said(salon, rm.userid, shanghai(D2, 0, 1), staff=True)
    # Released by the gate, not yet read back from WeCom's archive: not counted twice.
    said(salon, rm.userid, shanghai(D1, 9), staff=True, outcome=RELEASED)
    said(beijing, "wm_sun", shanghai(D1, 20))

    template = create_template("wealth_salon", [day_step("d1", 1, "08:30")])
    [assignment] = assign_template(template, [salon], start_date=D1)
    tasks = {}
    for number, (status, due) in enumerate(
        [
            ("done", shanghai(D1, 8, 30)),
            ("late", shanghai(D1, 9)),
            ("missed", shanghai(D1, 10)),
            ("blocked", shanghai(D1, 11)),
            ("conflict", shanghai(D1, 12)),
            ("skipped", shanghai(D1, 13)),
            ("pending", shanghai(D1, 23, 59)),
            ("cancelled", shanghai(D1, 14)),
            ("done", shanghai(D2, 8, 30)),
            ("done", shanghai(D3, 0) - timedelta(minutes=1)),  # Tuesday 23:59: Tuesday's
        ]
    ):
        task = SopTask(
            assignment_id=assignment.id,
            group_id=salon.id,
            step_key="wealth_salon/d1",
            occurrence=f"n{number}",
            due_at=due,
            mode="todo",
            role="理财经理",
            status=status,
        )
        db.session.add(task)
        tasks[number] = task
    db.session.flush()
    for task, opens, who in (
        (
            tasks[0],
            shanghai(D1, 8, 30),
            [("wm_wang", shanghai(D1, 10, 5)), ("wm_li", shanghai(D1, 23, 59))],
        ),
        (tasks[8], shanghai(D2, 8, 30), [("wm_liu", shanghai(D2, 9, 1))]),
    ):
        checkin = CheckIn(
            task_id=task.id,
            group_id=salon.id,
            keyword="打卡",
            opens_at=opens,
            closes_at=opens + timedelta(hours=16),
        )
        db.session.add(checkin)
        db.session.flush()
        for number, (userid, at) in enumerate(who):
            db.session.add(
                CheckInRecord(
                    checkin_id=checkin.id,
                    member_userid=userid,
                    archived_message_id=number + 1,
                    checked_at=at,
                )
            )
    db.session.commit()
    return {**people, "jingan_rm": jingan_rm, "salon": salon, "beijing": beijing}


def stored() -> dict:
    rows = db.session.execute(
        select(GroupDailyMetric).order_by(GroupDailyMetric.group_id, GroupDailyMetric.day)
    ).scalars()
    names = {}
    result: dict = {}
    for row in rows:
        if row.group_id not in names:
            names[row.group_id] = db.session.get(CustomerGroup, row.group_id).name
        result.setdefault(names[row.group_id], {})[row.day] = tuple(
            getattr(row, name) for name in COUNTS
        )
    return result


def compute_three_days() -> list[int]:
    written = [compute_group_daily_metrics(day) for day in (D1, D2, D3)]
    db.session.commit()
    return written


def test_each_live_group_gets_its_exact_numbers_for_each_shanghai_day(bank):
    assert compute_three_days() == [3, 3, 3]

    assert stored() == EXPECTED


def test_owner_and_sub_branch_are_copied_onto_the_days_row(bank):
    compute_three_days()

    salon = db.session.scalars(
        select(GroupDailyMetric).where(GroupDailyMetric.group_id == bank["salon"].id)
    ).first()
    assert (salon.owner_id, salon.department_id) == (bank["rm"].id, 3)


def test_computing_a_day_again_gives_the_same_rows(bank):
    compute_three_days()
    first = stored()

    assert compute_three_days() == [3, 3, 3]

    assert stored() == first == EXPECTED
    assert db.session.query(GroupDailyMetric).count() == 9


def test_a_message_ingested_late_counts_on_the_day_wecom_sent_it(bank):
    compute_group_daily_metrics(D1)
    said(bank["salon"], "wm_li", shanghai(D1, 15))  # read from WeCom's archive days later

    compute_group_daily_metrics(D1)

    assert stored()["陆家嘴理财沙龙群"][D1][3:5] == (3, 5)


def test_dismissed_group_keeps_its_history_up_to_its_dismissal_day(bank):
    compute_three_days()

    assert sorted(stored()["北京新客欢迎群"]) == [D1, D2]
    compute_group_daily_metrics(D3 + timedelta(days=1))
    assert sorted(stored()["北京新客欢迎群"]) == [D1, D2]
    assert "早已解散的旧群" not in stored()


def test_history_stays_with_the_rm_who_ran_the_group_after_it_is_handed_over(bank):
    compute_group_daily_metrics(D1, now=shanghai(D1, 18))
    bank["salon"].owner_id = bank["jingan_rm"].id  # 离职继承: the group moves to 吴静安
    db.session.flush()

    compute_group_daily_metrics(D1, now=shanghai(D1 + timedelta(days=30), 9))
    compute_group_daily_metrics(D2, now=shanghai(D2, 18))

    owners = dict(
        db.session.execute(
            select(GroupDailyMetric.day, GroupDailyMetric.department_id).where(
                GroupDailyMetric.group_id == bank["salon"].id
            )
        ).all()
    )
    assert owners == {D1: 3, D2: 5}


def test_yesterday_is_finalised_once_after_midnight(bank):
    assert finalise_group_daily_metrics(D1, now=shanghai(D1, 23, 50)) is None
    assert finalise_group_daily_metrics(D1, now=shanghai(D2, 0, 5)) is None  # not yet final
    assert finalise_group_daily_metrics(D1, now=shanghai(D2, 0, 20)) == 3
    db.session.commit()

    assert stored()["陆家嘴理财沙龙群"][D1] == EXPECTED["陆家嘴理财沙龙群"][D1]
    assert finalise_group_daily_metrics(D1, now=shanghai(D2, 0, 35)) is None


def test_rollup_by_rm_sums_the_range_and_takes_members_on_its_last_day(bank):
    compute_three_days()

    rows = rollup("rm", D1, D2)

    by_name = {row["name"]: row for row in rows}
    assert sorted(by_name) == ["吴静安", "林小美", "赵北京"]
    lin = by_name["林小美"]
    assert (lin["owner_id"], lin["members"], lin["joins"], lin["leaves"], lin["growth"]) == (
        bank["rm"].id,
        3,
        3,
        2,
        1,
    )
    assert (lin["messages"], lin["active_speakers"], lin["checkins"]) == (5, 4, 3)
    assert (lin["sop_due"], lin["sop_on_time"], lin["sop_late"], lin["sop_missed"]) == (9, 3, 1, 4)
    assert lin["completion_rate"] == round(4 / 9, 4)
    assert by_name["赵北京"]["members"] == 2 and by_name["赵北京"]["completion_rate"] is None


def test_rollup_by_sub_branch_and_by_branch_folds_sub_branches_into_their_branch(bank):
    compute_three_days()

    sub_branches = {row["name"]: row["members"] for row in rollup("sub_branch", D1, D3)}
    branches = {row["name"]: row for row in rollup("branch", D1, D3)}

    assert sub_branches == {"陆家嘴支行": 4, "静安支行": 2, "北京分行": 0}
    assert sorted(branches) == ["上海分行", "北京分行"]
    shanghai_branch = branches["上海分行"]
    assert (shanghai_branch["branch_id"], shanghai_branch["members"]) == (2, 6)
    assert (shanghai_branch["joins"], shanghai_branch["messages"]) == (4, 5)
    assert branches["北京分行"]["messages"] == 1 and branches["北京分行"]["members"] == 0


def test_rollup_by_day_and_by_group_within_the_callers_scope(bank):
    compute_three_days()

    days = rollup("day", D1, D3, department_ids=[3, 5])
    groups = rollup("group", D1, D3, owner_ids=[bank["jingan_rm"].id])

    assert [(row["day"], row["members"], row["joins"]) for row in days] == [
        (D1.isoformat(), 5, 2),
        (D2.isoformat(), 5, 1),
        (D3.isoformat(), 6, 1),
    ]
    assert [(row["name"], row["members"]) for row in groups] == [("静安代发群", 2)]
    assert rollup("group", D1, D3, group_ids=[]) == []


def test_rollup_refuses_an_unknown_level_or_a_backwards_range(bank):
    with pytest.raises(ValueError, match="unknown level 'city'; use one of group, rm"):
        rollup("city", D1, D2)
    with pytest.raises(ValueError, match="give the earlier date first"):
        rollup("rm", D2, D1)


def test_metrics_command_computes_a_day_and_prints_it_as_json(bank, runner):
    result = runner.invoke(
        args=["scrm", "sop", "metrics", "--day", D1.isoformat(), "--level", "rm", "--json"]
    )

    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {row["name"]: row["messages"] for row in rows} == {
        "林小美": 4,
        "吴静安": 0,
        "赵北京": 1,
    }


def test_metrics_command_shows_a_stored_range_as_a_table(bank, runner):
    compute_three_days()

    result = runner.invoke(
        args=["scrm", "sop", "metrics", "--start", D1.isoformat(), "--end", D3.isoformat()]
    )

    assert result.exit_code == 0, result.output
    assert "2026-03-02 … 2026-03-04 by branch; members on 2026-03-04" in result.output
    assert "上海分行\t6\t" in result.output


def test_metrics_command_names_the_fix_for_a_backwards_range(bank, runner):
    result = runner.invoke(
        args=["scrm", "sop", "metrics", "--start", D2.isoformat(), "--end", D1.isoformat()]
    )

    assert result.exit_code == 2
    assert "--start 2026-03-03 is after --end 2026-03-02; swap them" in result.output


def test_worker_clock_recomputes_today_every_15_minutes_and_finalises_yesterday(app):
    jobs = {job.id: job for job in clock_jobs(app)}
    today = jobs["sop.recompute_todays_group_metrics"].trigger({}, ZoneInfo("Asia/Shanghai"))
    nightly = jobs["sop.finalise_yesterdays_group_metrics"].trigger({}, ZoneInfo("Asia/Shanghai"))

    assert today.interval == timedelta(minutes=15)
    assert str(nightly) == "cron[hour='0', minute='20']"


def test_worker_job_computes_todays_rows(bank, app):
    jobs = {job.id: job for job in clock_jobs(app)}

    jobs["sop.recompute_todays_group_metrics"].func()
    db.session.commit()

    today = local_today("Asia/Shanghai")
    assert (
        db.session.query(GroupDailyMetric).filter_by(day=today).count() == 3
    )  # the Beijing group was dismissed
