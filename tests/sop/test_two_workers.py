"""Two workers on one database: one clock leads, and even clocks racing each other never create
a task twice."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from helpers import SHANGHAI, shanghai, wait_until
from sop_steps import MONDAY, cron_step, day_step
from sqlalchemy import func, select

from scrm.db import db, utcnow
from scrm.groups.models import CustomerGroup
from scrm.sop.assignments.services import assign_template
from scrm.sop.models import SopTask
from scrm.sop.tasks.materialise import materialise_due_tasks
from scrm.worker.runner import Clock

GROUPS = 120
POSTGRES_URI = os.environ.get("SCRM_TEST_DATABASE_URI")


def count_tasks() -> tuple[int, int]:
    """(tasks, distinct group+step+occurrence)."""
    total = db.session.scalar(select(func.count()).select_from(SopTask))
    distinct = db.session.scalar(
        select(func.count()).select_from(
            select(SopTask.group_id, SopTask.step_key, SopTask.occurrence).distinct().subquery()
        )
    )
    return total, distinct


@pytest.fixture
def branch_groups(app, build_sop_bank, create_group, create_template):
    """上海分行: 120 groups running a morning brief and a two-step welcome."""
    with app.app_context():
        bank = build_sop_bank()
        groups = [create_group(bank["rm"], f"陆家嘴·客户群{n:03d}") for n in range(GROUPS)]
        steps = [
            cron_step("brief", ["mon", "tue", "wed", "thu", "fri"], "08:30"),
            day_step("day1", 1, "09:30"),
            day_step("day2", 2, "09:30"),
        ]
        assign_template(create_template("morning_brief", steps), groups, start_date=MONDAY)
        db.session.commit()
        return [group.id for group in groups]


@pytest.mark.skipif(
    not POSTGRES_URI,
    reason="SQLite lets one writer in at a time, so clocks cannot race there; "
    "set SCRM_TEST_DATABASE_URI to a PostgreSQL database to run it",
)
def test_four_clocks_racing_on_postgresql_create_each_task_once(app, branch_groups):
    now = shanghai(MONDAY + timedelta(days=1), 10)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def clock():
        with app.app_context():
            try:
                barrier.wait()
                results.append(materialise_due_tasks(now, batch_size=25))
            except Exception as exc:  # a deadlock or unique violation would land here
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=clock) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    created = sum(r.get("created", 0) + r.get("late", 0) + r.get("skipped", 0) for r in results)
    with app.app_context():
        # Mon + Tue briefs, day 1, day 2 for every group; each inserted by exactly one clock.
        assert count_tasks() == (4 * GROUPS, 4 * GROUPS)
    assert created == 4 * GROUPS


def test_only_the_lease_holder_runs_the_sop_clock_and_the_next_one_adds_nothing(
    app, branch_groups, create_template
):
    app.config.update(WORKER_LEASE_SECONDS=0.6, SOP_CLOCK_SECONDS=0.2)
    with app.app_context():
        # Restart the SOP yesterday so real time has due occurrences whatever the hour.
        yesterday = utcnow().astimezone(SHANGHAI).date() - timedelta(days=1)
        template = create_template("daily_brief", [cron_step("brief", ["mon", "tue", "wed",
                                 "thu", "fri", "sat", "sun"], "00:00")])  # fmt: skip
        groups = db.session.scalars(
            select(CustomerGroup).where(CustomerGroup.id.in_(branch_groups))
        )
        assign_template(template, list(groups), start_date=yesterday)
        db.session.commit()

    def daily_briefs() -> int:
        with app.app_context():
            return db.session.scalar(
                select(func.count()).select_from(SopTask).where(SopTask.step_key.like("daily%"))
            )

    first = Clock(app, "分行主机-甲:1:aa").start()
    assert wait_until(lambda: first.is_leader, timeout=15, interval=0.05)
    second = Clock(app, "分行主机-乙:2:bb").start()
    try:
        # Yesterday's and today's.
        assert wait_until(lambda: daily_briefs() == 2 * GROUPS, timeout=15, interval=0.05)
        assert first.is_leader and second.scheduler is None  # the second never ran a job
        first.stop()
        assert wait_until(lambda: second.is_leader, timeout=15, interval=0.05)
        ran_again = threading.Event()
        second.scheduler.add_listener(
            lambda event: event.job_id == "sop.materialise_due_tasks" and ran_again.set(),
            EVENT_JOB_EXECUTED,
        )
        assert ran_again.wait(10)  # the new leader's SOP clock fired at least once
    finally:
        first.stop()
        second.stop()
    with app.app_context():
        assert count_tasks()[0] == count_tasks()[1]
    assert daily_briefs() == 2 * GROUPS
