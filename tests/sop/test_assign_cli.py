"""``scrm sop assign|pause|resume`` as an HQ operator uses them."""

from __future__ import annotations

import pytest
from sop_steps import day_step
from sqlalchemy import select

from scrm.db import db
from scrm.sop.models import SopAssignment


@pytest.fixture
def bank(sop_bank, create_group, create_template):
    bank = sop_bank
    bank["welcome"] = create_group(bank["rm"], "陆家嘴·新客欢迎群🎉")
    bank["beijing"] = create_group(bank["beijing_rm"], "北京·理财沙龙群")
    create_template("new_customer_welcome", [day_step("day1", 1, "09:30")])
    db.session.commit()
    return bank


def sop(runner, *args):
    return runner.invoke(args=["scrm", "sop", *args])


def running() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(SopAssignment).order_by(SopAssignment.id))
    return [(row.group.name, row.status, row.assigned_by) for row in rows]


def test_assigning_a_branch_prints_each_group_and_a_rerun_changes_nothing(bank, runner):
    args = ["assign", "new_customer_welcome", "--branch", "2", "--start", "2026-03-02"]
    result = sop(runner, *args, "--by", "zong.yunying")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "assigned new_customer_welcome v1 from 2026-03-02 (Asia/Shanghai) to 1 group(s)\n"
        f"  {bank['welcome'].chat_id}  陆家嘴·新客欢迎群🎉\n"
    )
    again = sop(runner, *args)
    assert "to 0 group(s)" in again.output
    assert f"left as they were: 1 group(s)\n  {bank['welcome'].chat_id}" in again.output
    assert running() == [("陆家嘴·新客欢迎群🎉", "active", "zong.yunying")]


def test_assigning_by_chat_id_and_by_name_pattern(bank, runner):
    chat_id = bank["beijing"].chat_id
    result = sop(
        runner, "assign", "new_customer_welcome", "--chat-id", chat_id, "--start", "2026-03-02"
    )
    assert f"to 1 group(s)\n  {chat_id}  北京·理财沙龙群" in result.output
    result = sop(
        runner,
        "assign",
        "new_customer_welcome",
        "--version",
        "1",
        "--name-pattern",
        "陆家嘴*",
        "--start",
        "2026-03-09",
        "--timezone",
        "Asia/Urumqi",
    )
    assert "from 2026-03-09 (Asia/Urumqi) to 1 group(s)" in result.output
    assert [name for name, _, _ in running()] == ["北京·理财沙龙群", "陆家嘴·新客欢迎群🎉"]


def test_bad_assignments_say_what_to_do(bank, runner):
    no_groups = sop(runner, "assign", "new_customer_welcome", "--start", "2026-03-02")
    assert no_groups.exit_code == 2
    assert "exactly one of --branch, --tag, --name-pattern or --chat-id" in no_groups.output
    unknown = sop(runner, "assign", "无此模板", "--branch", "2", "--start", "2026-03-02")
    assert unknown.exit_code == 1
    assert 'no published template "无此模板"' in unknown.output
    far = sop(runner, "assign", "new_customer_welcome", "--branch", "99", "--start", "2026-03-02")
    assert far.exit_code == 1 and "department 99 is unknown; run `scrm sync`" in far.output
    zone = sop(
        runner,
        "assign",
        "new_customer_welcome",
        "--branch",
        "2",
        "--start",
        "2026-03-02",
        "--timezone",
        "北京时间",
    )
    assert zone.exit_code == 1 and "use an IANA name such as Asia/Shanghai" in zone.output
    assert running() == []


def test_pause_and_resume_a_group_from_the_command_line(bank, runner):
    chat_id = bank["welcome"].chat_id
    sop(runner, "assign", "new_customer_welcome", "--chat-id", chat_id, "--start", "2026-03-02")
    paused = sop(runner, "pause", chat_id)
    assert paused.output == f"paused new_customer_welcome v1 in {chat_id}  陆家嘴·新客欢迎群🎉\n"
    assert running()[0][1] == "paused"
    resumed = sop(runner, "resume", chat_id, "--replay")
    assert resumed.exit_code == 0
    assert resumed.output.endswith("replaying what fell due while paused\n")
    assert running()[0][1] == "active"
    never = sop(runner, "pause", bank["beijing"].chat_id)
    assert never.exit_code == 1 and "runs no SOP; assign a template first" in never.output
    unknown = sop(runner, "resume", "wrNoSuchGroup")
    assert (
        unknown.exit_code == 1 and "no customer group with chat id wrNoSuchGroup" in unknown.output
    )
