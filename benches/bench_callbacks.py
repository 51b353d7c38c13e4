"""Benchmark: encrypted WeCom callbacks through gunicorn, against the same server's hello world.

    python benches/bench_callbacks.py [--quick] [--seconds N] [--concurrency C]

Builds a migrated SQLite database in a temporary folder, starts ``gunicorn -w 2 app:app`` on
a free loopback port, and from a second process (the load generator) measures first
``GET /healthz`` requests/s, then ``POST /wecom/callback`` with distinct encrypted
``change_external_contact`` / ``change_external_chat`` events. It then counts the rows in
``inbound_event`` to see that every event answered 200 was stored. The last line printed is
one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import load
from callback_events import CALLBACK_AES_KEY, CALLBACK_TOKEN, CORP_ID

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30.0
# Enough prepared callbacks for a run as fast as hello world, with a margin; bounded memory.
MAX_PREPARED = 200_000

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per phase (under 30 s in all)")
    parser.add_argument("--seconds", type=float, help="length of each phase (default 10)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the two phases this many times, splitting --seconds between rounds, "
        "so a busy machine slows both alike (default 1)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a target is not met (default: 0)"
    )
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = 3.0 if args.quick else 10.0
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be between 0 and 600")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be between 1 and 256")
    if not 1 <= args.rounds <= 100:
        parser.error("--rounds must be between 1 and 100")
    return args


def bench_environment(database_uri: str) -> dict[str, str]:
    """The environment gunicorn runs with: fictional corp, no timestamp-skew check."""
    env = dict(os.environ)
    env.update(
        SCRM_SQLALCHEMY_DATABASE_URI=database_uri,
        SCRM_WECOM_CORP_ID=CORP_ID,
        SCRM_WECOM_CALLBACK_TOKEN=CALLBACK_TOKEN,
        SCRM_WECOM_CALLBACK_AES_KEY=CALLBACK_AES_KEY,
        # The prepared callbacks carry the time they were built; the check is not measured.
        SCRM_WECOM_CALLBACK_MAX_SKEW="0",
        # gunicorn refuses to start without a real session key (scrm/secret_key.py).
        SCRM_SECRET_KEY=secrets.token_hex(32),
    )
    return env


def migrate(env: dict[str, str]) -> None:
    """Bring the benchmark database to the latest schema with scrm's own migrations."""
    if str(ROOT) not in sys.path:  # run from a checkout without ``pip install -e .``
        sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from scrm import create_app
    from scrm.db import MIGRATIONS_DIR, db

    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _no_control_socket() -> list[str]:
    # gunicorn 25.1+ opens a control socket in ~/.gunicorn by default; a benchmark needs none
    # and must not take the socket of a server already running on this machine.
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []


def start_gunicorn(port: int, workers: int, env: dict[str, str], log_path: Path):
    log = open(log_path, "wb")  # closed in stop_gunicorn
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        *_no_control_socket(),
        "app:app",
    ]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    process.log_file = log
    return process


def wait_until_ready(process, port: int, log_path: Path) -> None:
    """Poll /healthz until it answers 200, the server exits, or the startup timeout passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.1)
    tail = log_path.read_text(errors="replace")[-2000:]
    raise SystemExit(f"gunicorn did not answer /healthz on port {port}; its log ends:\n{tail}")


def stop_gunicorn(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    process.log_file.close()


def count_stored(database_path: Path) -> int:
    with sqlite3.connect(database_path) as conn:
        return conn.execute("SELECT count(*) FROM inbound_event").fetchone()[0]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def measure(port: int, args: argparse.Namespace) -> tuple[load.PhaseResult, load.PhaseResult]:
    """Both phases, from a second process; with ``--rounds R`` they alternate R times."""
    slice_seconds = args.seconds / args.rounds
    hello = load.PhaseResult()
    callbacks = load.PhaseResult()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
        for round_number in range(1, args.rounds + 1):
            label = f" (round {round_number}/{args.rounds})" if args.rounds > 1 else ""
            print(f"phase 1: GET /healthz for {slice_seconds:g} s{label}", flush=True)
            hello.add(
                generator.submit(load.hello_world, port, args.concurrency, slice_seconds).result()
            )
            if round_number == 1:
                wanted = int(hello.per_second * args.seconds * 1.25) + 200
                prepared = generator.submit(
                    load.prepare_callbacks, min(MAX_PREPARED, wanted), secrets.token_hex(3)
                ).result()
                print(f"prepared {prepared} distinct encrypted events", flush=True)
            print(f"phase 2: POST /wecom/callback for {slice_seconds:g} s{label}", flush=True)
            callbacks.add(
                generator.submit(
                    load.callbacks, port, args.concurrency, slice_seconds, callbacks.next_index
                ).result()
            )
    return hello, callbacks


def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="scrm-bench-") as tmp:
        database_path = Path(tmp) / "bench.sqlite3"
        env = bench_environment(f"sqlite:///{database_path}")
        print(f"migrating a fresh SQLite database in {tmp}", flush=True)
        migrate(env)
        port = free_port()
        log_path = Path(tmp) / "gunicorn.log"
        print(f"starting gunicorn -w {args.workers} on 127.0.0.1:{port}", flush=True)
        server = start_gunicorn(port, args.workers, env, log_path)
        try:
            wait_until_ready(server, port, log_path)
            hello, callbacks = measure(port, args)
        finally:
            stop_gunicorn(server)
        stored = count_stored(database_path)
        if hello.errors or callbacks.errors:
            print(f"gunicorn log tail:\n{log_path.read_text(errors='replace')[-1500:]}")

    sent_ok_unique = len(set(callbacks.ok))
    ratio = callbacks.per_second / hello.per_second if hello.per_second else 0.0
    return {
        "callbacks_per_s": round(callbacks.per_second, 1),
        "hello_world_per_s": round(hello.per_second, 1),
        "ratio_to_hello_world": round(ratio, 3),
        "p50_ms": round(percentile(callbacks.latencies_ms, 0.50), 2),
        "p99_ms": round(percentile(callbacks.latencies_ms, 0.99), 2),
        "hello_world_p50_ms": round(percentile(hello.latencies_ms, 0.50), 2),
        "hello_world_p99_ms": round(percentile(hello.latencies_ms, 0.99), 2),
        "sent": callbacks.requests,
        "sent_ok": sent_ok_unique,
        "stored": stored,
        "lost": sent_ok_unique - stored,
        "errors": callbacks.errors,
        "hello_world_errors": hello.errors,
        "error_samples": callbacks.error_samples + hello.error_samples,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "database": "sqlite",
    }


def report(figures: dict) -> bool:
    """Print the human lines and the targets; True when every target is met."""
    checks = {
        f"callbacks/s ≥ {TARGET_RATIO:g} × hello world": (
            figures["ratio_to_hello_world"] >= TARGET_RATIO
        ),
        f"p99 < {TARGET_P99_MS:g} ms": figures["p99_ms"] < TARGET_P99_MS,
        "no event lost": figures["lost"] == 0 and figures["sent_ok"] > 0,
        "no errors": figures["errors"] == 0,
    }
    print(
        f"hello world: {figures['hello_world_per_s']:.0f} req/s "
        f"(p50 {figures['hello_world_p50_ms']} ms, p99 {figures['hello_world_p99_ms']} ms)"
    )
    print(
        f"callbacks:   {figures['callbacks_per_s']:.0f} req/s "
        f"(p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms), "
        f"ratio {figures['ratio_to_hello_world']:.2f}"
    )
    print(
        f"events: sent {figures['sent']}, answered 200 {figures['sent_ok']}, "
        f"stored {figures['stored']}, lost {figures['lost']}, errors {figures['errors']}"
    )
    for name, met in checks.items():
        print(f"target {name}: {'met' if met else 'NOT met'}")
    figures["targets_met"] = all(checks.values())
    return figures["targets_met"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = run(args)
    met = report(figures)
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
