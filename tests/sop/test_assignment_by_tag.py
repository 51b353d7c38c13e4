"""HQ picks groups by the customers in them: 代发 (payroll) groups get the payroll SOP."""

from __future__ import annotations

import pytest

from scrm.sop.assignments.selection import AssignmentError, groups_by_customer_tag
from scrm.sync.services import run_full_sync


@pytest.fixture
def tagged_groups(app_ctx, sim):
    sim.add_department(1, "星河银行（演示）")
    sim.add_user("lin.xiaomei", "林小美", [1])
    _, (payroll, card) = sim.add_tag_group("客户类型", ["代发", "信用卡"])
    people = [sim.add_customer(name=n) for n in ("王建國", "李娜🌸", "ＡＬＥＸ陈", "張偉")]
    for i, eid in enumerate(people):
        sim.add_follow("lin.xiaomei", eid, tag_ids=[payroll if i < 3 else card])
    chats = {
        "payroll": sim.add_group_chat("lin.xiaomei", "代发工资群", [(e, 2, 3) for e in people[:3]]),
        "mixed": sim.add_group_chat(
            "lin.xiaomei", "综合服务群", [(people[0], 2, 3), (people[3], 2, 3)]
        ),
        "cards": sim.add_group_chat("lin.xiaomei", "信用卡权益群", [(people[3], 2, 3)]),
    }
    run_full_sync()
    return chats


def test_groups_where_most_customers_are_payroll_customers_are_picked(tagged_groups):
    picked = {g.chat_id for g in groups_by_customer_tag("代发")}
    # 3 of 3 payroll customers; 1 of 2 in the mixed group is half, which counts; 0 of 1 does not.
    assert picked == {tagged_groups["payroll"], tagged_groups["mixed"]}
    strict = {g.chat_id for g in groups_by_customer_tag("代发", min_share=0.9)}
    assert strict == {tagged_groups["payroll"]}


def test_an_unknown_tag_is_refused_with_the_fix(tagged_groups):
    with pytest.raises(AssignmentError, match="unknown; run `scrm sync`"):
        groups_by_customer_tag("私行")


def test_sop_assign_by_tag_from_the_command_line(tagged_groups, runner):
    from scrm.db import db
    from scrm.sop.models import SopTemplate

    db.session.add(
        SopTemplate(
            name="payroll",
            version=1,
            title="代发工资群",
            roles=["理财经理"],
            steps=[],
            source_file="sop_templates/payroll.yaml",
            content_hash="0" * 64,
        )
    )
    db.session.commit()
    result = runner.invoke(
        args=["scrm", "sop", "assign", "payroll", "--tag", "代发", "--start", "2026-12-01"]
    )
    assert result.exit_code == 0, result.output
    assert "to 2 group(s)" in result.output and "代发工资群" in result.output
