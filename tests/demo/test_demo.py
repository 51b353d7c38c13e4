"""The demo: the fictional bank seeded in the simulator, synced in, and live events applied."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from scrm import create_app
from scrm.customers.models import CorpTag, Customer, Follow
from scrm.db import db
from scrm.demo.live import LiveActions
from scrm.demo.seed import seed_demo_bank
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup, GroupMember
from scrm.sop.models import SopAssignment
from scrm.sync.services import run_full_sync
from scrm.worker.runner import run_worker


@pytest.fixture
def demo_app(tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}"},
        instance_path=str(tmp_path),
    )
    app.config["WECOM_CORP_ID"] = ""  # as on a fresh machine, whatever the environment says
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _stats(app) -> dict:
    result = app.test_cli_runner().invoke(args=["scrm", "stats", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_demo_seed_only_brings_in_the_whole_fictional_bank_and_reruns_safely(demo_app):
    runner = demo_app.test_cli_runner()

    first = runner.invoke(args=["scrm", "demo", "--seed-only"])

    assert first.exit_code == 0, first.output
    assert "seeded 星河银行（演示）" in first.output and "seeded and synced" in first.output
    # No key configured: the demo made its own in the fresh instance folder.
    key_file = Path(demo_app.instance_path) / "secret_key"
    assert f"session key: {key_file}" in first.output
    assert demo_app.config["SECRET_KEY"] == key_file.read_text().strip()
    stats = _stats(demo_app)
    assert stats["customers"] >= 500 and stats["groups"] == 40 and stats["rms"] >= 12
    assert stats["departments"] == 7 and stats["last_sync"]["status"] == "done"
    with demo_app.app_context():
        roles = {s.userid: s.role_names for s in db.session.scalars(select(Staff))}
    assert roles["xhops01"] == {"hq_ops", "admin"}
    assert roles["xhcompliance01"] == {"compliance"}
    assert roles["xhlead02"] == {"branch_lead"}
    with demo_app.app_context():
        running = db.session.scalars(select(SopAssignment).where(SopAssignment.status == "active"))
        names = {a.template.name for a in running}
    assert {"new_customer_welcome", "wealth_salon", "payroll", "morning_brief"} <= names

    again = runner.invoke(args=["scrm", "demo", "--seed-only"])

    assert again.exit_code == 0, again.output
    rerun = _stats(demo_app)
    assert (rerun["customers"], rerun["groups"], rerun["staff"]) == (
        stats["customers"],
        stats["groups"],
        stats["staff"],
    )


def test_demo_refuses_a_database_configured_for_a_real_corp(demo_app):
    demo_app.config["WECOM_CORP_ID"] = "ww0123456789abcdef"

    result = demo_app.test_cli_runner().invoke(args=["scrm", "demo", "--seed-only"])

    assert result.exit_code == 1
    assert "would mark that corp's customers removed" in result.output


def test_the_demo_seed_is_deterministic_and_syncs_without_churn(app_ctx, sim):
    bank = seed_demo_bank(sim, customers=60, groups=8, rms_per_sub_branch=2)
    first = run_full_sync()
    second = run_full_sync()

    assert first.counts["customers"]["created"] == 60
    assert first.counts["groups"]["created"] == 8
    assert all(v == 0 for row in second.counts.values() for v in row.values()), second.counts
    names = set(db.session.scalars(select(Customer.name)))
    assert names == set(bank.customer_names.values())
    assert any(any(ord(c) > 0x1F000 for c in n) for n in names), "some emoji nicknames"
    sim.reset()  # a rerun of the demo: a new process, a new simulator, the same seed
    again = seed_demo_bank(sim, customers=60, groups=8, rms_per_sub_branch=2)
    assert again.customer_names == bank.customer_names
    assert again.follows.keys() == bank.follows.keys()
    resynced = run_full_sync()
    assert all(v == 0 for row in resynced.counts.values() for v in row.values()), resynced.counts


def test_live_demo_actions_reach_the_database_through_real_callbacks(
    app, app_ctx, sim, live_server
):
    bank = seed_demo_bank(sim, customers=40, groups=4, rms_per_sub_branch=2)
    run_full_sync()
    actions = LiveActions(sim, bank, random.Random(7))

    lines = [
        actions.customer_adds_rm(),
        actions.customer_joins_group(),
        actions.customer_leaves_group(),
        actions.rm_edits_customer(),
        actions.create_tag(),
    ]
    run_worker(app, once=True)

    assert all(lines)
    db.session.expire_all()
    newest = max(bank.customer_names)  # live ids sort after the seeded ones
    follow = db.session.scalars(
        select(Follow).join(Customer).where(Customer.external_userid == newest)
    ).one()
    assert follow.state and follow.status == "active"
    quit_members = db.session.scalars(
        select(GroupMember).where(GroupMember.quit_at.is_not(None))
    ).all()
    assert len(quit_members) == 1
    joined = {g.chat_id: g.customers for g in bank.groups}
    stored = {
        g.chat_id: {
            m.member_userid for m in g.members if m.quit_at is None and m.member_type == "customer"
        }
        for g in db.session.scalars(select(CustomerGroup))
    }
    assert stored == joined
    tags_on_follows = {
        (f.staff.userid, f.customer.external_userid): {t.tag_key for t in f.tags}
        for f in db.session.scalars(select(Follow))
    }
    assert tags_on_follows == bank.follows, "the RM's retagging reached the database"
    campaign = db.session.scalars(select(CorpTag).order_by(CorpTag.id.desc())).first()
    assert campaign.group.name == "活动标签"
