"""``scrm stats``, the status page and ``grant-role``/``revoke-role`` over a synced bank."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.models import GroupMember
from scrm.inbox.models import InboundEvent
from scrm.sync.services import run_full_sync

KEYS = {
    "departments",
    "staff",
    "customers",
    "follows",
    "groups",
    "group_members",
    "tags",
    "inbound_events_received",
    "inbound_events_applied",
    "inbound_events_failed",
    "inbound_events_ignored",
    "last_sync",
}


@pytest.fixture
def synced_bank(app_ctx, sim):
    sim.add_department(1, "晨星银行（测试）")
    sim.add_department(2, "滨江分行", parent_id=1)
    sim.add_user("xiaomei", "林小美", [2])
    sim.add_user("daming", "陳大明", [2])
    sim.add_user("hegui", "合規·周", [1], follow=False)
    sim.add_tag_group("风险等级", ["R1", "R2", "R3", "R4", "R5"])
    for i, name in enumerate(["王建国", "陳美玲", "🌸小雨"]):
        eid = sim.add_customer(f"wmstats{i}", name)
        sim.add_follow("xiaomei", eid)
    sim.add_follow("daming", "wmstats0")
    chat = sim.add_group_chat("xiaomei", "理财沙龙群", [("wmstats0", 2, 3), ("wmstats1", 2, 1)])
    run_full_sync()
    sim.operator.customer_deletes_rm("daming", "wmstats0")
    sim.operator.member_leaves_group(chat, "wmstats1")
    run_full_sync()
    for i, status in enumerate(["received", "applied", "applied", "failed", "ignored"]):
        db.session.add(
            InboundEvent(dedupe_key=f"{i:064d}", msg_type="event", payload="<xml/>", status=status)
        )
    db.session.commit()
    return chat


def test_stats_json_counts_only_live_rows(runner, synced_bank):
    result = runner.invoke(args=["scrm", "stats", "--json"])

    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert KEYS <= stats.keys()
    assert stats["departments"] == 2 and stats["staff"] == 3 and stats["rms"] == 2
    assert stats["customers"] == 3
    assert stats["follows"] == 3  # daming's relation ended
    assert stats["groups"] == 1
    assert stats["group_members"] == 2  # the owner and the customer who stayed
    assert stats["tags"] == 5
    assert stats["inbound_events_received"] == 1
    assert stats["inbound_events_applied"] == 2
    assert stats["inbound_events_failed"] == 1
    assert stats["inbound_events_ignored"] == 1
    assert stats["last_sync"]["status"] == "done" and stats["last_sync"]["finished_at"]
    assert db.session.scalar(select(GroupMember).where(GroupMember.quit_at.is_not(None)))


def test_stats_table_and_help_say_what_is_counted(runner, synced_bank):
    table = runner.invoke(args=["scrm", "stats"])
    help_ = runner.invoke(args=["scrm", "stats", "--help"])

    assert table.exit_code == 0
    assert "follows" in table.output and "active RM–customer relations" in table.output
    assert "last sync: done" in table.output
    assert "removed_at IS NULL" in help_.output


def test_stats_on_an_empty_database_say_to_sync(runner, app_ctx):
    result = runner.invoke(args=["scrm", "stats"])

    assert result.exit_code == 0
    assert "last sync: never" in result.output


def test_status_page_shows_counts_and_no_personal_data(client, synced_bank):
    page = client.get("/")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<td class="n" id="customers">3</td>' in html
    assert "done at stage groups" in html
    for personal in ("王建国", "陳美玲", "林小美", "wmstats0", "xiaomei"):
        assert personal not in html


def test_grant_and_revoke_a_role(runner, synced_bank):
    granted = runner.invoke(args=["scrm", "grant-role", "hegui", "compliance"])
    again = runner.invoke(args=["scrm", "grant-role", "hegui", "compliance"])
    revoked = runner.invoke(args=["scrm", "revoke-role", "xiaomei", "rm"])

    assert granted.exit_code == 0 and "hegui now holds: compliance" in granted.output
    assert again.exit_code == 0
    db.session.expire_all()
    staff = {s.userid: s for s in db.session.scalars(select(Staff))}
    assert staff["hegui"].role_names == {"compliance"}
    assert revoked.exit_code == 0 and staff["xiaomei"].role_names == set()


def test_granting_to_an_unknown_userid_or_role_names_the_fix(runner, synced_bank):
    unknown = runner.invoke(args=["scrm", "grant-role", "nobody", "rm"])
    bad_role = runner.invoke(args=["scrm", "grant-role", "hegui", "行长"])

    assert unknown.exit_code == 1
    assert "no current member of staff with userid 'nobody'" in unknown.output
    assert "scrm sync" in unknown.output
    assert bad_role.exit_code == 2
    assert "'rm', 'branch_lead', 'compliance', 'hq_ops', 'admin'" in bad_role.output
    db.session.expire_all()
    hegui = db.session.scalars(select(Staff).where(Staff.userid == "hegui")).one()
    assert hegui.role_names == set()


def test_stats_count_the_archive_and_open_review_cases(app, runner):
    from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit

    with app.app_context():
        for text in ("您好，本周理财早报已更新📈", "这款产品保本保息，稳赚不赔！"):
            submit(
                OutboundMessage(
                    channel="group",
                    origin="sidebar",
                    sender_userid="xh.lina",
                    text=text,
                    delivery_kind=CLIENT_SEND,
                    chat_ids=["wrxhstats0000000000000001"],
                )
            )
            db.session.commit()
    stats = json.loads(runner.invoke(args=["scrm", "stats", "--json"]).output)
    assert stats["archived_messages"] == 2
    assert stats["archived_blocked"] == 1
    assert stats["review_cases_open"] == 1  # the blocked attempt; the clean one needs no look
