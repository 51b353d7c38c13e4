"""One clock leader per deployment, elected through the ``worker_lease`` row."""

from __future__ import annotations

import threading
from datetime import timedelta

from apscheduler.schedulers.base import STATE_PAUSED
from helpers import wait_until
from sqlalchemy import select, update

from scrm.db import db, utcnow
from scrm.worker.lease import CLOCK_LEASE, acquire_lease, lease_holder, release_lease
from scrm.worker.models import WorkerLease
from scrm.worker.runner import Clock


def test_two_contenders_for_a_fresh_lease_elect_one_leader(app):
    results: dict[str, bool] = {}
    barrier = threading.Barrier(4)

    def contend(holder: str):
        with app.app_context():
            barrier.wait()
            results[holder] = acquire_lease(CLOCK_LEASE, holder, 30)
            db.session.commit()

    threads = [threading.Thread(target=contend, args=(f"分行主机-{n}:1:ab",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [holder for holder, won in results.items() if won]
    assert len(results) == 4 and len(winners) == 1
    with app.app_context():
        assert lease_holder(CLOCK_LEASE) == winners[0]


def test_leader_renews_and_others_wait(app_ctx):
    assert acquire_lease(CLOCK_LEASE, "甲:1:aa", 30)
    assert not acquire_lease(CLOCK_LEASE, "乙:2:bb", 30)
    first_expiry = db.session.scalars(select(WorkerLease.expires_at)).one()
    assert acquire_lease(CLOCK_LEASE, "甲:1:aa", 60)
    db.session.commit()
    assert db.session.scalars(select(WorkerLease.expires_at)).one() > first_expiry
    assert lease_holder(CLOCK_LEASE) == "甲:1:aa"


def test_expired_lease_is_taken_over(app_ctx):
    assert acquire_lease(CLOCK_LEASE, "甲:1:aa", 30)
    db.session.execute(update(WorkerLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert lease_holder(CLOCK_LEASE) is None
    assert acquire_lease(CLOCK_LEASE, "乙:2:bb", 30)
    assert not acquire_lease(CLOCK_LEASE, "甲:1:aa", 30)  # the old leader now waits
    assert not release_lease(CLOCK_LEASE, "甲:1:aa")  # and cannot release what it lost
    assert lease_holder(CLOCK_LEASE) == "乙:2:bb"


def test_released_lease_can_be_taken_at_once(app_ctx):
    assert acquire_lease(CLOCK_LEASE, "甲:1:aa", 30)
    assert release_lease(CLOCK_LEASE, "甲:1:aa")
    assert acquire_lease(CLOCK_LEASE, "乙:2:bb", 30)


def test_clock_runs_only_in_the_leader_and_moves_when_it_stops(app):
    app.config.update(WORKER_LEASE_SECONDS=0.3)
    first = Clock(app, "甲:1:aa").start()
    assert wait_until(lambda: first.is_leader)
    second = Clock(app, "乙:2:bb").start()
    try:
        # Several renewal rounds pass; the second worker never starts a scheduler.
        expiries = set()

        def renewed_three_times() -> bool:
            with app.app_context():
                expiries.add(db.session.scalars(select(WorkerLease.expires_at)).one())
            return len(expiries) >= 3

        assert wait_until(renewed_three_times)
        assert first.is_leader and not second.is_leader
        assert second.scheduler is None
        first.stop()
        assert not first.is_leader
        assert wait_until(lambda: second.is_leader)
        assert "sync.nightly_full_sync" in {job.id for job in second.scheduler.get_jobs()}
    finally:
        first.stop()
        second.stop()
    with app.app_context():
        assert db.session.scalars(select(WorkerLease)).all() == []  # released on stop


def test_clock_pauses_when_its_lease_is_taken(app):
    app.config.update(WORKER_LEASE_SECONDS=0.3)
    clock = Clock(app, "甲:1:aa").start()
    try:
        assert wait_until(lambda: clock.is_leader)
        with app.app_context():
            # An operator (or a worker that saw the lease expire) takes it over.
            db.session.execute(
                update(WorkerLease).values(
                    holder="乙:2:bb", expires_at=utcnow() + timedelta(minutes=5)
                )
            )
            db.session.commit()
        assert wait_until(lambda: not clock.is_leader)
        assert clock.scheduler.state == STATE_PAUSED  # ready to resume
    finally:
        clock.stop()
    with app.app_context():
        assert lease_holder(CLOCK_LEASE) == "乙:2:bb"  # not released: it was not ours
