"""Benchmark: group metrics for 10,000 customer groups, computed for a day and rolled up
over 30 days by group, RM, sub-branch, branch and day.

    python benches/bench_metrics.py [--quick] [--database URL] [--groups N]

Builds N groups (default 10,000; --quick 1,000) under 2 branches × 10 sub-branches and 200
RMs, 20 members each (some joining and leaving on the day), archived group messages and
SOP tasks; times ``compute_group_daily_metrics`` for the day and again (the upsert path), then
writes 29 more days of rows and times each rollup over the 30 days. The last line printed is
one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from group_bench import database_url, empty_database, parse_group_args  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from scrm.archive.chain.services import append_message  # noqa: E402
from scrm.db import db  # noqa: E402
from scrm.directory.models import Department, Staff  # noqa: E402
from scrm.groups.models import CustomerGroup, GroupMember  # noqa: E402
from scrm.sop.metrics.models import GroupDailyMetric  # noqa: E402
from scrm.sop.metrics.services import LEVELS, compute_group_daily_metrics, rollup  # noqa: E402
from scrm.sop.models import SopAssignment, SopTask, SopTemplate  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 31)
DAYS = 30
MEMBERS = 20
MESSAGES = 2000
TARGET_ROLLUP_SECONDS = 2.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return parse_group_args(__doc__.split("\n\n")[0], "1,000 groups (seconds)", 200_000, argv)


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def _bulk(model, rows: list[dict]) -> None:
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(model), rows[first : first + 5000])


def seed(groups: int) -> list[int]:
    """The bank, the groups, their members, a day's messages and SOP tasks; the group ids."""
    db.session.add(Department(id=1, name="星河银行"))
    for branch in (2, 3):
        db.session.add(Department(id=branch, name=f"分行{branch}", parent_id=1))
    db.session.flush()
    for sub in range(10, 30):
        db.session.add(Department(id=sub, name=f"支行{sub}", parent_id=2 if sub < 20 else 3))
    db.session.flush()
    _bulk(Staff, [{"userid": f"rm{n:03d}", "department_id": 10 + n % 20} for n in range(200)])
    owners = db.session.scalars(select(Staff.id).order_by(Staff.id)).all()
    _bulk(
        CustomerGroup,
        [
            {"chat_id": f"wrMetric{n:08d}", "name": f"客户群{n:05d}", "owner_id": owners[n % 200]}
            for n in range(groups)
        ],
    )
    ids = db.session.scalars(select(CustomerGroup.id).order_by(CustomerGroup.id)).all()
    before, on_day = shanghai(DAY - timedelta(days=40), 9), shanghai(DAY, 10)
    members = []
    for group_id in ids:
        for m in range(MEMBERS):
            joined = on_day if m == 0 else before
            quit = on_day if m == 1 else None
            members.append(
                {
                    "group_id": group_id,
                    "member_userid": f"wm{group_id}_{m}",
                    "member_type": "customer",
                    "joined_at": joined,
                    "quit_at": quit,
                }
            )
    _bulk(GroupMember, members)
    template = SopTemplate(
        name="bench_metrics", version=1, title="晨间市场速递", roles=["理财经理"], steps=[],
        locked_steps=[], source_file="benches/bench_metrics.py", content_hash="0" * 64,
    )  # fmt: skip
    db.session.add(template)
    db.session.flush()
    _bulk(
        SopAssignment,
        [{"group_id": g, "template_id": template.id, "start_date": DAY} for g in ids],
    )
    assignments = db.session.execute(select(SopAssignment.group_id, SopAssignment.id)).all()
    statuses = ("done", "late", "missed", "pending")
    _bulk(
        SopTask,
        [
            {
                "assignment_id": assignment_id,
                "group_id": group_id,
                "step_key": "bench_metrics/brief",
                "occurrence": DAY.isoformat(),
                "due_at": shanghai(DAY, 8, 30),
                "mode": "todo",
                "role": "理财经理",
                "status": statuses[group_id % 4],
            }  # fmt: skip
            for group_id, assignment_id in assignments
        ],
    )
    chat_ids = db.session.scalars(select(CustomerGroup.chat_id).order_by(CustomerGroup.id)).all()
    for n in range(MESSAGES):
        append_message(
            direction="inbound", channel="group", origin="conversation_archive",
            sender=f"wm{n % 97}", msgtype="text", text="请问今天的理财产品收益如何？",
            decision="pass", chat_ids=[chat_ids[n % len(chat_ids)]], wecom_msgid=f"bench{n}",
            sent_at=shanghai(DAY, 11),
        )  # fmt: skip
    db.session.commit()
    return ids


def earlier_days() -> None:
    """Copy the computed day's rows onto the 29 days before it (what the clock would store)."""
    day_rows = db.session.scalars(select(GroupDailyMetric).where(GroupDailyMetric.day == DAY))
    template = [
        {c.name: getattr(row, c.name) for c in GroupDailyMetric.__table__.columns if c.name != "id"}
        for row in day_rows
    ]
    for back in range(1, DAYS):
        day = DAY - timedelta(days=back)
        _bulk(GroupDailyMetric, [{**row, "day": day} for row in template])
    db.session.commit()


def run(args: argparse.Namespace, uri: str) -> dict:
    with empty_database("bench_metrics", uri):
        began = time.perf_counter()
        seed(args.groups)
        print(f"seeded {args.groups:,} groups in {time.perf_counter() - began:.1f} s")

        began = time.perf_counter()
        written = compute_group_daily_metrics(DAY, now=shanghai(DAY, 23))
        db.session.commit()
        compute_seconds = time.perf_counter() - began
        began = time.perf_counter()
        compute_group_daily_metrics(DAY, now=shanghai(DAY, 23))
        db.session.commit()
        recompute_seconds = time.perf_counter() - began
        print(
            f"computed {written:,} rows in {compute_seconds:.2f} s, again {recompute_seconds:.2f}"
        )

        earlier_days()
        rows = db.session.scalar(select(func.count()).select_from(GroupDailyMetric))
        rollup_seconds = {}
        for level in LEVELS:
            began = time.perf_counter()
            answer = rollup(level, DAY - timedelta(days=DAYS - 1), DAY)
            rollup_seconds[level] = round(time.perf_counter() - began, 3)
            print(f"rollup by {level}: {len(answer):,} rows in {rollup_seconds[level]:.3f} s")
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return {
        "groups": args.groups,
        "database": dialect,
        "metric_rows": rows,
        "compute_day_seconds": round(compute_seconds, 3),
        "recompute_day_seconds": round(recompute_seconds, 3),
        "rollup_seconds": rollup_seconds,
        "target_met": max(rollup_seconds.values()) < TARGET_ROLLUP_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with database_url("bench_metrics", args.database) as uri:
        figures = run(args, uri)
    met = "met" if figures["target_met"] else "NOT met"
    print(f"target: every 30-day rollup within {TARGET_ROLLUP_SECONDS:.0f} s: {met}")
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
