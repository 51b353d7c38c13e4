"""Benchmark: the RM sidebar's first screen on the demo bank, in headless Chromium.

    python benches/bench_sidebar.py [--quick] [--loads N] [--database URL]

Prepares the demo bank (星河银行（演示）) exactly as ``flask --app app scrm demo`` does, in a
fresh database and the WeCom simulator, and serves the app in this process (no worker, no
live events). Then, for N loads (default 30; --quick 8), a fresh browser context (no cookies)
at 390×844 opens the demo's sidebar link for a demo RM beside one of their customers: the whole
WeCom OAuth round trip, then the page. A load is timed until the RM can act: the customer view
shown, the customer's name filled and every to-do count filled. The same context then opens
the sidebar again, signed in (the warm load). The last line printed is one JSON object with
every figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from scrm import create_app  # noqa: E402
from scrm.db import db  # noqa: E402
from scrm.demo.seed import DEFAULT_SEED, DemoBank  # noqa: E402
from scrm.demo.settings import demo_settings  # noqa: E402
from scrm.wecom.simulator import Simulator, SimulatorServer  # noqa: E402

CHROMIUM = os.environ.get("SCRM_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
TARGET_MS = 1000.0
LOAD_TIMEOUT_MS = 15_000

#: "ready" once the RM can act beside the customer; the notice's text when the page explains
#: a problem instead (someone else's customer, a failed read); falsy while still loading, or
#: while the previous document (marked before the warm load) is still the one shown.
READY = """() => {
  if (window.__BENCH_PREVIOUS__) { return false; }
  const notice = document.querySelector('[data-testid=sidebar-notice]');
  if (notice && !notice.hidden && notice.textContent.trim()) {
    return 'notice: ' + notice.textContent.trim();
  }
  const view = document.querySelector('[data-testid=customer-view]');
  const name = document.querySelector('[data-testid=customer-name]');
  const counts = document.querySelectorAll('[data-testid=todo-counts] [data-count]');
  const shown = view && !view.hidden && view.getClientRects().length > 0;
  const named = name && name.textContent.trim() !== '';
  const counted = counts.length > 0 &&
    Array.from(counts).every((cell) => /^\\d+$/.test(cell.textContent.trim()));
  return shown && named && counted ? 'ready' : false;
}"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 loads (well under a minute)")
    parser.add_argument("--loads", type=int, help="cold loads, each with a warm one (default 30)")
    parser.add_argument(
        "--database", help="an empty database URL (default: a new SQLite file in a temp folder)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the demo bank")
    args = parser.parse_args(argv)
    if args.loads is None:
        args.loads = 8 if args.quick else 30
    if not 1 <= args.loads <= 1000:
        parser.error("--loads must be between 1 and 1,000")
    if not os.path.exists(CHROMIUM):
        parser.error(
            f"{CHROMIUM} is missing: install Debian's chromium (`.ci/ensure-chromium`), "
            "or point SCRM_CHROMIUM at a Chromium binary"
        )
    return args


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with ``share`` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@contextmanager
def demo_app(database: str | None) -> Iterator[tuple[Flask, Simulator, str]]:
    """The app on ``database`` (or a temporary SQLite file) with the demo's WeCom settings,
    pointed at a fresh simulator; yields (app, simulator, database URL)."""
    settings = demo_settings()
    sim = Simulator(
        settings["WECOM_CORP_ID"],
        contact_secret=settings["WECOM_CONTACT_SECRET"],
        agent_secret=settings["WECOM_AGENT_SECRET"],
        agent_id=int(settings["WECOM_AGENT_ID"]),
    )
    sim_server = SimulatorServer(sim, host="127.0.0.1", port=0).start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench_sidebar_") as folder:
            uri = database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            config = settings | {
                "SQLALCHEMY_DATABASE_URI": uri,
                "WECOM_API_BASE": sim_server.api_base,
                "SECRET_KEY": secrets.token_hex(32),
            }
            app = create_app(config, instance_path=folder)
            with app.app_context():
                yield app, sim, uri
                db.session.remove()
                db.engine.dispose()
    finally:
        sim_server.stop()


def prepare(sim: Simulator, seed: int) -> DemoBank:
    """The demo's own preparation, on a database that must hold no customers yet."""
    from flask_migrate import upgrade

    from scrm.customers.models import Customer
    from scrm.db import MIGRATIONS_DIR
    from scrm.demo.runner import prepare_demo

    upgrade(directory=MIGRATIONS_DIR)
    if db.session.scalar(select(func.count()).select_from(Customer)):
        sys.exit(
            "bench_sidebar: the database already holds customers; give --database an empty one"
        )
    return prepare_demo(sim, seed=seed, echo=lambda line: print(f"  demo: {line}"))


def sidebar_path(customer: str) -> str:
    query = {"demo": 1, "entry": "single_chat_tools", "external_userid": customer}
    return "/sidebar/app/?" + urlencode(query)


def targets(bank: DemoBank) -> list[tuple[str, str]]:
    """Each demo RM with a customer, beside their first customer (as announce_web picks)."""
    pairs = []
    for rm in bank.rms:
        customer = next((eid for (userid, eid) in sorted(bank.follows) if userid == rm), None)
        if customer:
            pairs.append((rm, customer))
    if not pairs:
        sys.exit("bench_sidebar: the demo bank has no RM with a customer")
    return pairs


def timed_load(page, url: str) -> float:
    """Milliseconds from ``goto`` until the RM can act; exits naming what the page showed."""
    began = time.perf_counter()
    page.goto(url, wait_until="commit")
    state = page.wait_for_function(READY, timeout=LOAD_TIMEOUT_MS, polling="raf").json_value()
    elapsed = (time.perf_counter() - began) * 1000
    if state != "ready":
        sys.exit(f"bench_sidebar: {url} did not open the customer view ({state})")
    return elapsed


def measure(
    browser, app: Flask, address: str, pairs: list[tuple[str, str]], loads: int
) -> tuple[list, list]:
    """(cold ms, warm ms) for ``loads`` loads, RMs in turn, one fresh context each."""
    from scrm.demo.web import sign_in_link

    cold: list[float] = []
    warm: list[float] = []
    for number in range(loads):
        rm, customer = pairs[number % len(pairs)]
        path = sidebar_path(customer)
        sign_in = sign_in_link(app, address, rm, path)  # the link the demo prints
        context = browser.new_context(viewport=PHONE, locale="zh-CN")
        try:
            page = context.new_page()
            cold.append(timed_load(page, sign_in))
            page.evaluate("window.__BENCH_PREVIOUS__ = true")
            warm.append(timed_load(page, address + path))
        finally:
            context.close()
    return cold, warm


def serve(app: Flask) -> tuple[object, str]:
    web = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=web.serve_forever, name="bench-web", daemon=True).start()
    return web, f"http://127.0.0.1:{web.server_port}"


def run(args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    from scrm.demo.web import announce_web
    from scrm.web.assets import INSTALL_HINT, missing_vendor_files

    with demo_app(args.database) as (app, sim, uri):
        if missing_vendor_files(app):
            sys.exit(f"bench_sidebar: front-end packages are missing: {INSTALL_HINT}")
        began = time.perf_counter()
        bank = prepare(sim, args.seed)
        print(f"prepared the demo bank in {time.perf_counter() - began:.1f} s")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        web, address = serve(app)
        try:
            announce_web(app, bank, address, lambda line: print(f"  demo: {line}"))
            db.session.remove()  # the server's threads read with their own sessions
            pairs = targets(bank)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
                )
                try:
                    first, _ = measure(browser, app, address, pairs[:1], 1)  # not counted
                    print(f"first load after start (not counted): {first[0]:.0f} ms")
                    cold, warm = measure(browser, app, address, pairs, args.loads)
                finally:
                    browser.close()
        finally:
            web.shutdown()
        dialect = make_url(uri).get_backend_name()
    return {
        "loads": args.loads,
        "cold_p50_ms": round(percentile(cold, 0.50), 1),
        "cold_p95_ms": round(percentile(cold, 0.95), 1),
        "warm_p50_ms": round(percentile(warm, 0.50), 1),
        "warm_p95_ms": round(percentile(warm, 0.95), 1),
        "target_ms": TARGET_MS,
        "target_met": max(percentile(cold, 0.95), percentile(warm, 0.95)) < TARGET_MS,
        "database": dialect,
        "customers": bank.customer_count,
        "rms": len(bank.rms),
        "first_load_ms": round(first[0], 1),
        "rm_customer_pairs": min(len(pairs), args.loads),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = run(args)
    print(
        f"{figures['loads']} loads on {figures['database']} "
        f"({figures['customers']:,} customers, {figures['rms']} RMs)"
    )
    print(
        f"cold (sign-in through WeCom OAuth): p50 {figures['cold_p50_ms']:.0f} ms, "
        f"p95 {figures['cold_p95_ms']:.0f} ms"
    )
    print(
        f"warm (signed in):                   p50 {figures['warm_p50_ms']:.0f} ms, "
        f"p95 {figures['warm_p95_ms']:.0f} ms"
    )
    met = "met" if figures["target_met"] else "NOT met"
    print(f"target: first screen usable within {TARGET_MS:.0f} ms at p95, cold and warm: {met}")
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
