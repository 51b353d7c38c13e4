"""Benchmark: archive search and the branch dashboard at bank volume.

    python benches/bench_archive.py [--quick] [--database URL] [--messages N] [--groups N]

Fills an empty database with a bank (50 branches, 200 sub-branches, 1,000 RMs, 50,000
customers, 10,000 groups), N archived messages (default 1,000,000; --quick 100,000) of Chinese
banking chat from templates and vocabulary, 3% with lexicon hits, loaded straight into the
archive with the real hash chain, and 30 days of group metrics. Then it runs the real indexer
(jieba, FTS5 / tsvector) over the archive and times, through the same functions the API calls
(SQL, reading the page of messages, highlighting): keyword searches, filtered searches (a
branch + a decision + a 7-day range), both together (keyword + branch + block/warn + 7 days:
the hardest case, a common word with a rare filter) and a branch dashboard (the overview of
one branch over 30 days, scrm.dashboards.queries.branch_dashboard, after the daily rollup).
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from archive_fill import DAYS, END, load_archive, seed_bank, seed_metrics  # noqa: E402
from group_bench import database_url, empty_database  # noqa: E402
from sqlalchemy import text  # noqa: E402

from scrm.archive.search.find import search_archive  # noqa: E402
from scrm.archive.search.indexer import index_new_messages  # noqa: E402
from scrm.archive.search.query import query_from_args  # noqa: E402
from scrm.dashboards.queries import branch_dashboard  # noqa: E402
from scrm.dashboards.services import compute_rm_daily_metrics_between  # noqa: E402
from scrm.db import db  # noqa: E402

SAMPLES = 60
TARGET_SEARCH_MS = 300
TARGET_DASHBOARD_MS = 500
KEYWORDS = (
    "理财", "保本", "大额存单", "稳健 申购", '"过往业绩"', "穩健", "养老 规划", "ＡＢＣ",
    "赎回 到账", "零风险", "身份证", "国债逆回购", "黄金", "内部消息", "净值",
)  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 messages (under a minute)")
    parser.add_argument("--messages", type=int, help="archived messages (default 1,000,000)")
    parser.add_argument("--groups", type=int, help="customer groups (default 10,000)")
    parser.add_argument(
        "--database", help="an empty database URL (default: a new SQLite file in a temp folder)"
    )
    args = parser.parse_args(argv)
    args.messages = args.messages or (100_000 if args.quick else 1_000_000)
    args.groups = args.groups or (2_000 if args.quick else 10_000)
    if not 1_000 <= args.messages <= 10_000_000:
        parser.error("--messages must be between 1,000 and 10,000,000")
    return args


def timed(samples: list[float], function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    samples.append((time.perf_counter() - started) * 1000)
    db.session.rollback()  # each query in its own transaction, as a request would
    return result


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def measure(bank: dict, rng: random.Random) -> dict:
    keyword, filtered, combined, dashboard, found, narrowed = [], [], [], [], [], []
    for n in range(SAMPLES):
        query = query_from_args({"q": KEYWORDS[n % len(KEYWORDS)]})
        found.append(len(timed(keyword, search_archive, query).results))
    for _ in range(SAMPLES):
        end = END - timedelta(days=rng.randrange(0, DAYS - 7))
        args = {
            "branch": str(rng.choice(bank["branches"])),
            "decision": rng.choice(("block", "warn", "pass")),
            "from": (end - timedelta(days=7)).isoformat(),
            "to": end.isoformat(),
        }
        narrowed.append(len(timed(filtered, search_archive, query_from_args(args)).results))
    for n in range(SAMPLES):
        end = END - timedelta(days=rng.randrange(0, DAYS - 7))
        args = {
            "q": KEYWORDS[n % len(KEYWORDS)],
            "branch": str(rng.choice(bank["branches"])),
            "decision": rng.choice(("block", "warn")),
            "from": (end - timedelta(days=7)).isoformat(),
        }
        timed(combined, search_archive, query_from_args(args))
    last_day = END.date()
    start = last_day - timedelta(days=DAYS - 1)
    for _ in range(SAMPLES):
        # What GET /api/dashboards/overview?level=branch answers: the branch's children, totals.
        timed(dashboard, branch_dashboard, rng.choice(bank["branches"]), start, last_day)
    return {
        "keyword_p50_ms": p(keyword, 0.5), "keyword_p95_ms": p(keyword, 0.95),
        "filtered_p50_ms": p(filtered, 0.5), "filtered_p95_ms": p(filtered, 0.95),
        "dashboard_p50_ms": p(dashboard, 0.5), "dashboard_p95_ms": p(dashboard, 0.95),
        "keyword_filtered_p50_ms": p(combined, 0.5),
        "keyword_filtered_p95_ms": p(combined, 0.95),
        "keyword_results_mean": round(statistics.mean(found), 1),
        "filtered_results_mean": round(statistics.mean(narrowed), 1),
    }  # fmt: skip


def run(args: argparse.Namespace, uri: str) -> dict:
    figures: dict = {"messages": args.messages, "groups": args.groups}
    with empty_database("bench_archive", uri):
        dialect = db.session.get_bind().dialect.name
        started = time.perf_counter()
        bank = seed_bank(args.groups)
        figures["metric_rows"] = seed_metrics(bank, END.date())
        load_archive(args.messages, bank)
        figures["fill_seconds"] = round(time.perf_counter() - started, 1)
        print(f"filled {args.messages:,} messages in {figures['fill_seconds']} s", flush=True)
        started = time.perf_counter()
        while index_new_messages(batch_size=5000, limit=50_000):
            db.session.commit()
        seconds = time.perf_counter() - started
        figures["index_seconds"] = round(seconds, 1)
        figures["index_per_s"] = round(args.messages / seconds)
        print(f"indexed in {figures['index_seconds']} s", flush=True)
        started = time.perf_counter()
        last_day = END.date()
        compute_rm_daily_metrics_between(last_day - timedelta(days=DAYS - 1), last_day)
        db.session.commit()
        figures["dashboard_rollup_seconds"] = round(time.perf_counter() - started, 1)
        print(f"dashboard rollup of {DAYS} days in {figures['dashboard_rollup_seconds']} s")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        figures |= measure(bank, random.Random(11))
        figures["database"] = dialect
    return figures


def report(figures: dict) -> None:
    for name, target in (
        ("keyword_p95_ms", TARGET_SEARCH_MS),
        ("filtered_p95_ms", TARGET_SEARCH_MS),
        ("dashboard_p95_ms", TARGET_DASHBOARD_MS),
    ):
        verdict = "met" if figures[name] < target else "NOT met"
        print(f"{name} = {figures[name]} ms (target < {target} ms): {verdict}")
    figures["hash_chain"] = "computed (bulk insert, triggers on)"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with database_url("bench_archive", args.database) as uri:
        figures = run(args, uri)
    figures["total_seconds"] = round(time.perf_counter() - started, 1)
    report(figures)
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
