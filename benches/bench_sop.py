"""Benchmark: the SOP clock with 10,000 groups whose step falls due in the same minute.

    python benches/bench_sop.py [--quick] [--database URL] [--groups N]

Builds N customer groups (default 10,000; --quick 1,000) running one SOP template, runs the
clock at the due minute and measures the seconds until every task row is created and queued
(pending, ready for the executor); fires it again and counts duplicates. Then it simulates a
10-minute outage (ten more steps fall due, one a minute, half with catch-up policy ``skip``),
restarts the clock twice, and counts catch-up duplicates and missing tasks. The last line
printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from group_bench import database_url, empty_database, parse_group_args  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from scrm.db import db  # noqa: E402
from scrm.directory.models import Department, Staff  # noqa: E402
from scrm.groups.models import CustomerGroup  # noqa: E402
from scrm.sop.assignments.services import assign_template  # noqa: E402
from scrm.sop.models import TASK_PENDING, TASK_SKIPPED, SopTask, SopTemplate  # noqa: E402
from scrm.sop.tasks.materialise import materialise_due_tasks  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 3, 2)
TARGET_SECONDS = 30.0
OUTAGE_STEPS = 10  # one step due every minute of the outage


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parse_group_args(
        __doc__.split("\n\n")[0], "1,000 groups (under a minute)", 1_000_000, argv
    )


def at(hour: int, minute: int) -> datetime:
    return datetime.combine(START, datetime.min.time().replace(hour=hour, minute=minute))


def shanghai(hour: int, minute: int) -> datetime:
    return at(hour, minute).replace(tzinfo=SHANGHAI).astimezone(UTC)


def step(step_id: str, minute: int, policy: str) -> dict:
    return {
        "id": step_id,
        "key": f"bench_morning/{step_id}",
        "trigger": {"type": "day", "day": 1, "time": f"09:{minute:02d}"},
        "role": "理财经理",
        "mode": "auto",
        "content": {"text": "早安！今日市场速递：理财有风险，投资需谨慎。"},
        "catch_up": {"policy": policy, "grace_minutes": 5},
        "grace_minutes": 60,
        "locked": False,
    }


def seed(groups: int) -> None:
    """One branch, 100 RMs, ``groups`` groups, one template assigned to all of them."""
    db.session.add(Department(id=1, name="星河银行"))
    db.session.add(Department(id=2, name="上海分行", parent_id=1))
    db.session.flush()
    staff = [
        {"userid": f"rm{n:03d}", "name": f"客户经理{n:03d}", "department_id": 2} for n in range(100)
    ]
    db.session.execute(insert(Staff), staff)
    owners = db.session.scalars(select(Staff.id).order_by(Staff.id)).all()
    rows = [
        {
            "chat_id": f"wrBench{n:08d}",
            "name": f"上海分行·客户群{n:05d}",
            "owner_id": owners[n % 100],
        }
        for n in range(groups)
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(CustomerGroup), rows[start : start + 5000])
    steps = [step("brief", 30, "late")] + [
        step(f"outage{m}", 30 + m, "skip" if m % 2 else "late") for m in range(1, 11)
    ]
    template = SopTemplate(
        name="bench_morning",
        version=1,
        title="晨间市场速递",
        roles=["理财经理"],
        steps=steps,
        locked_steps=[],
        source_file="benches/bench_sop.py",
        content_hash="0" * 64,
    )
    db.session.add(template)
    db.session.flush()
    chosen = db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.id)).all()
    assign_template(template, chosen, start_date=START, assigned_by="bench")
    db.session.commit()


def task_counts(step_keys: list[str] | None = None) -> tuple[int, int, int]:
    """(rows, distinct group+step+occurrence, pending rows) for these steps (default all)."""
    where = [SopTask.step_key.in_(step_keys)] if step_keys else []
    total = db.session.scalar(select(func.count()).select_from(SopTask).where(*where))
    distinct = db.session.scalar(
        select(func.count()).select_from(
            select(SopTask.group_id, SopTask.step_key, SopTask.occurrence)
            .where(*where)
            .distinct()
            .subquery()
        )
    )
    pending = db.session.scalar(
        select(func.count()).select_from(SopTask).where(SopTask.status == TASK_PENDING, *where)
    )
    return total, distinct, pending


def run(args: argparse.Namespace, uri: str) -> dict:
    with empty_database("bench_sop", uri):
        began = time.perf_counter()
        seed(args.groups)
        seed_seconds = time.perf_counter() - began
        print(f"seeded {args.groups:,} groups with an assignment in {seed_seconds:.1f} s")

        materialise_due_tasks(shanghai(9, 29))  # the minute before: nothing due yet
        began = time.perf_counter()
        first = materialise_due_tasks(shanghai(9, 30))  # the clock fires on the due minute
        seconds_to_queue = time.perf_counter() - began
        materialise_due_tasks(shanghai(9, 30))  # a double firing
        total, distinct, queued = task_counts(["bench_morning/brief"])
        print(f"due minute: {first.get('created', 0):,} tasks in {seconds_to_queue:.2f} s")

        # Outage from 09:30 to 09:41: ten steps fall due, one a minute; then two restarts.
        outage_keys = [f"bench_morning/outage{m}" for m in range(1, OUTAGE_STEPS + 1)]
        began = time.perf_counter()
        catch_up = materialise_due_tasks(shanghai(9, 41))
        catchup_seconds = time.perf_counter() - began
        materialise_due_tasks(shanghai(9, 41))
        materialise_due_tasks(shanghai(9, 42))
        c_total, c_distinct, c_pending = task_counts(outage_keys)
        skipped = db.session.scalar(
            select(func.count()).select_from(SopTask).where(SopTask.status == TASK_SKIPPED)
        )
        print(
            f"after a 10-minute outage: {c_distinct:,} tasks in {catchup_seconds:.2f} s "
            f"({catch_up.get('late', 0):,} late, {skipped:,} skipped by policy)"
        )
        dialect = db.engine.dialect.name
        db.engine.dispose()
    expected = args.groups * OUTAGE_STEPS
    return {
        "groups": args.groups,
        "database": dialect,
        "seconds_to_queue": round(seconds_to_queue, 3),
        "tasks_created": distinct,
        "tasks_queued": queued,
        "missing": args.groups - distinct,
        "duplicates": total - distinct,
        "catchup_seconds": round(catchup_seconds, 3),
        "catchup_expected": expected,
        "catchup_created": c_distinct,
        "catchup_late": catch_up.get("late", 0),
        "catchup_skipped": skipped,
        "catchup_duplicates": c_total - c_distinct,
        "catchup_missing": expected - c_distinct,
        "seed_seconds": round(seed_seconds, 1),
        "target_met": seconds_to_queue < TARGET_SECONDS and total == distinct == args.groups,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with database_url("bench_sop", args.database) as uri:
        figures = run(args, uri)
    met = "met" if figures["target_met"] else "NOT met"
    print(f"target: every task queued within {TARGET_SECONDS:.0f} s, no duplicates: {met}")
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
