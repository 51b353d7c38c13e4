"""``scrm worker`` and ``scrm retry-failed-events`` as an operator runs them, and
``run_worker`` as the demo runs it beside the web server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers import wait_until
from sqlalchemy import select, update

from scrm.db import db
from scrm.inbox.models import FAILED, IGNORED, RECEIVED, InboundEvent
from scrm.worker.jobs import build_scheduler
from scrm.worker.lease import CLOCK_LEASE, lease_holder
from scrm.worker.models import WorkerLease
from scrm.worker.runner import new_worker_id, run_worker
from scrm.worker.schedule import clock_jobs

ROOT = Path(__file__).resolve().parents[2]


def _statuses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(InboundEvent.status).order_by(InboundEvent.id)))


def test_worker_once_drains_what_is_due_and_exits(app, runner, stored_message):
    stored_message("第一条：想开户")
    stored_message("第二條：查詢餘額")
    result = runner.invoke(args=["scrm", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "inbox: ignored=2; outbox: nothing due"
    assert _statuses(app) == [IGNORED, IGNORED]
    result = runner.invoke(args=["scrm", "worker", "--once"])
    assert result.output.strip() == "inbox: nothing due; outbox: nothing due"
    with app.app_context():
        assert db.session.scalars(select(WorkerLease)).all() == []  # --once never leads


def test_operator_requeues_failed_events_from_the_cli(app, runner, stored_message):
    first, second = stored_message("失败一"), stored_message("失败二")
    with app.app_context():
        db.session.execute(update(InboundEvent).values(status=FAILED, attempts=5))
        db.session.commit()
    result = runner.invoke(args=["scrm", "retry-failed-events", "--id", str(second)])
    assert result.exit_code == 0, result.output
    assert "requeued 1 failed inbound event(s)" in result.output
    assert _statuses(app) == [FAILED, RECEIVED]
    result = runner.invoke(args=["scrm", "retry-failed-events"])
    assert "requeued 1" in result.output
    assert first < second and _statuses(app) == [RECEIVED, RECEIVED]


def test_worker_in_a_thread_drains_new_events_leads_the_clock_and_stops(app, stored_message):
    app.config.update(WORKER_POLL_INTERVAL=0.02, WORKER_LEASE_SECONDS=0.3)
    stop = threading.Event()
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(run_worker(app, stop_event=stop)))
    thread.start()
    try:
        stored_message("周末能办理业务吗？")
        assert wait_until(lambda: _statuses(app) == [IGNORED])

        def leads() -> bool:
            with app.app_context():
                return lease_holder(CLOCK_LEASE) is not None

        assert wait_until(leads)
        stored_message("第二條留言")
        assert wait_until(lambda: _statuses(app) == [IGNORED, IGNORED])
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert outcome == {"inbox": {IGNORED: 2}, "outbox": {}}
    with app.app_context():
        assert db.session.scalars(select(WorkerLease)).all() == []


def test_nightly_sync_is_scheduled_at_the_configured_hour_in_bank_time(app):
    app.config.update(SYNC_NIGHTLY_HOUR=3)
    scheduler = build_scheduler(app)
    job = scheduler.get_job("sync.nightly_full_sync")
    assert job is not None and job.id == clock_jobs(app)[0].id
    shanghai = ZoneInfo("Asia/Shanghai")
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 5, 1, 12, 0, tzinfo=shanghai))
    assert fire == datetime(2026, 5, 2, 3, 0, tzinfo=shanghai)


def test_worker_ids_are_unique_and_fit_the_claim_column():
    ids = {new_worker_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(worker_id) <= 64 and worker_id.count(":") >= 2 for worker_id in ids)


def test_worker_process_stops_gracefully_on_sigterm(app, database_uri, stored_message):
    stored_message("深夜留言：明天见")
    env = {
        **os.environ,
        "SCRM_SQLALCHEMY_DATABASE_URI": database_uri,
        "SCRM_WORKER_POLL_INTERVAL": "0.05",
        "SCRM_WORKER_LEASE_SECONDS": "3",
    }
    with subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "scrm", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as worker:
        try:

            def leads() -> bool:
                with app.app_context():
                    return lease_holder(CLOCK_LEASE) is not None

            assert wait_until(leads, timeout=30)
            assert wait_until(lambda: _statuses(app) == [IGNORED])
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    assert worker.returncode == 0, err
    assert out.strip() == "inbox: ignored=1; outbox: nothing due"
    assert "stopped" in err
    with app.app_context():
        assert db.session.scalars(select(WorkerLease)).all() == []
