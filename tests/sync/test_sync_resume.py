"""A WeCom outage half-way through a sync stops it with a clear message; the next sync
resumes from the last saved page without fetching finished work again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from scrm.customers.models import FOLLOW_ACTIVE, Customer, Follow
from scrm.db import db
from scrm.sync.models import FAILED
from scrm.sync.services import ABANDONED, SyncFailed, latest_sync_run, run_full_sync

DIRECTORY_AND_TAG_CALLS = (
    "department/list",
    "user/list",
    "externalcontact/get_follow_user_list",
    "externalcontact/get_corp_tag_list",
)


def _calls(sim) -> dict[str, int]:
    return {path: len(sim.calls_to(path)) for path in DIRECTORY_AND_TAG_CALLS}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_outage_fails_the_sync_clearly_and_the_rerun_resumes(app_ctx, runner, small_bank, sim):
    sim.faults.inject("externalcontact/batch/get_by_user", errcode=-1, times=10)

    failed = runner.invoke(args=["scrm", "sync"])

    assert failed.exit_code == 1
    assert "failed at stage customers" in failed.output
    assert "externalcontact/batch/get_by_user" in failed.output
    assert "rerun `flask --app app scrm sync` to resume" in failed.output
    run = latest_sync_run()
    assert run.status == FAILED and run.stage == "customers"
    assert "errcode=-1" in run.last_error
    assert _count(Customer) == 0
    finished_stage_calls = _calls(sim)
    sim.faults.clear()

    resumed = runner.invoke(args=["scrm", "sync"])

    assert resumed.exit_code == 0, resumed.output
    assert f"resuming sync run {run.id} at stage customers" in resumed.output
    assert _calls(sim) == finished_stage_calls, "finished stages must not be fetched again"
    run = latest_sync_run()
    assert (run.status, run.attempts) == ("done", 2)
    assert _count(Customer) == 6 and _count(Follow) == 7
    assert run.counts["departments"]["created"] == 3  # kept from the first attempt


def test_resume_continues_from_the_last_saved_page(app, app_ctx, small_bank, sim):
    app.config["SYNC_CUSTOMER_PAGE_SIZE"] = 2  # seven follows of two RMs: four pages
    run_full_sync()
    sim.operator.customer_deletes_rm("daming", small_bank.customers[0])  # nobody told us

    def outage_after_first_page(line: str) -> None:
        if line.startswith("customers: page 1 saved"):
            sim.faults.inject("externalcontact/batch/get_by_user", http_status=503, times=10)

    with pytest.raises(SyncFailed, match="failed at stage customers"):
        run_full_sync(progress=outage_after_first_page)

    run = latest_sync_run()
    assert run.status == FAILED and run.checkpoint["cursor"], "page 1 is saved with its cursor"
    sim.faults.clear()
    run_full_sync()

    run = latest_sync_run()
    assert run.status == "done" and run.attempts == 2
    served = [c for c in sim.calls_to("externalcontact/batch/get_by_user") if c.errcode == 0]
    # Four pages for the first sync; three (not four) for the interrupted and resumed one.
    assert len(served) == 4 + 3
    follows = db.session.scalars(select(Follow)).all()
    removed = [f for f in follows if f.status != FOLLOW_ACTIVE]
    assert len(removed) == 1 and removed[0].staff.userid == "daming"
    assert removed[0].customer.external_userid == small_bank.customers[0]
    assert run.counts["follows"]["removed"] == 1


def test_restart_abandons_the_failed_run(app_ctx, runner, small_bank, sim):
    sim.faults.inject("externalcontact/groupchat/list", errcode=45009, times=10)
    assert runner.invoke(args=["scrm", "sync"]).exit_code == 1
    failed = latest_sync_run()
    sim.faults.clear()
    departments_fetched = len(sim.calls_to("department/list"))

    result = runner.invoke(args=["scrm", "sync", "--restart"])

    assert result.exit_code == 0, result.output
    assert db.session.get(type(failed), failed.id).status == ABANDONED
    assert latest_sync_run().id == failed.id + 1
    assert len(sim.calls_to("department/list")) == departments_fetched + 1


def test_sync_without_wecom_settings_says_to_run_check_config(app, app_ctx, runner, sim):
    app.config["WECOM_CONTACT_SECRET"] = ""

    result = runner.invoke(args=["scrm", "sync"])

    assert result.exit_code == 1
    assert "WECOM_CONTACT_SECRET not set" in result.output and "check-config" in result.output
    assert latest_sync_run() is None and sim.calls == []
