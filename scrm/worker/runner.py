"""The worker loop: drain the queues every poll, and run the clock while leader.

Any number of workers may drain the queues at once (row claims keep them apart, and free a
dead worker's rows within seconds: :mod:`scrm.worker.claims`). A drain takes turns: a few
inbox events, then a few outbox deliveries, and again, time-critical rows first in each; so
the welcome message an add just queued goes out before the rest of a long inbox is applied.
Only the worker holding the ``clock`` lease runs APScheduler; a lease thread renews it every
third of its length, pauses the scheduler when the lease is lost and resumes it when
regained. Nothing here starts at import time, and ``create_app`` never calls it: web workers
do not schedule.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections import Counter
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
from flask import Flask

from scrm.db import db
from scrm.inbox.services import drain_inbox
from scrm.outbox.delivery import drain_outbox
from scrm.worker.jobs import build_scheduler
from scrm.worker.lease import CLOCK_LEASE, acquire_lease, release_lease

log = logging.getLogger(__name__)

#: The queues a worker drains, in turn: one batch of each per turn.
QUEUES: tuple[tuple[str, Callable[..., dict[str, int]]], ...] = (
    ("inbox", drain_inbox),
    ("outbox", drain_outbox),
)


def new_worker_id() -> str:
    """``hostname:pid:random`` — unique per worker process, short enough for claim columns."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def drain_queues(worker_id: str, stop: threading.Event | None = None) -> dict[str, dict]:
    """Drain the queues in turns, one batch of each per turn, until nothing is due (or
    ``stop`` is set); needs an app context.

    :return: per queue, counts by outcome, e.g. ``{"inbox": {"applied": 3}}``.
    """
    totals: dict[str, Counter[str]] = {name: Counter() for name, _ in QUEUES}
    busy = True
    while busy and not (stop and stop.is_set()):
        busy = False
        for name, drain in QUEUES:
            counts = drain(worker_id, stop=stop, rounds=1)
            totals[name].update(counts)
            busy = busy or bool(counts)
    return {name: dict(counts) for name, counts in totals.items()}


class Clock:
    """Runs the APScheduler jobs only while this worker holds the clock lease."""

    def __init__(self, app: Flask, worker_id: str):
        self.app = app
        self.worker_id = worker_id
        self.lease_seconds = float(app.config["WORKER_LEASE_SECONDS"])
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._keep_lease, name="scrm-clock-lease", daemon=True
        )

    @property
    def is_leader(self) -> bool:
        """True while the scheduler runs here."""
        return self.scheduler is not None and self.scheduler.state == STATE_RUNNING

    def start(self) -> Clock:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the scheduler (waiting for a running job) and give the lease up."""
        self._stop.set()
        self._thread.join()

    def _keep_lease(self) -> None:
        with self.app.app_context():
            try:
                while not self._stop.is_set():
                    try:
                        self._renew()
                    except Exception:  # e.g. a bad SCRM_TIMEZONE: keep draining, say why
                        log.exception("the clock could not start; retrying")
                    self._stop.wait(self.lease_seconds / 3)
            finally:
                self._step_down(release=True)

    def _renew(self) -> None:
        try:
            held = acquire_lease(CLOCK_LEASE, self.worker_id, self.lease_seconds)
            db.session.commit()  # commit in steps: other workers see who leads the clock
        except Exception:
            # Unsure whether the lease is still ours: pause rather than risk two clocks.
            db.session.rollback()
            log.exception("could not renew the clock lease; pausing the clock")
            held = False
        if held and not self.is_leader:
            self._lead()
        elif not held and self.is_leader:
            log.warning("clock lease lost to another worker; pausing the clock")
            self.scheduler.pause()

    def _lead(self) -> None:
        if self.scheduler is None:
            self.scheduler = build_scheduler(self.app)
            self.scheduler.start()
        elif self.scheduler.state == STATE_PAUSED:
            self.scheduler.resume()
        jobs = ", ".join(job.id for job in self.scheduler.get_jobs())
        log.info("worker %s leads the clock: %s", self.worker_id, jobs)

    def _step_down(self, *, release: bool) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if release:
            try:
                release_lease(CLOCK_LEASE, self.worker_id)
                db.session.commit()  # commit in steps: another worker may lead at once
            except Exception:
                db.session.rollback()
                log.exception("could not release the clock lease; it expires by itself")


def run_worker(
    app: Flask, *, once: bool = False, stop_event: threading.Event | None = None
) -> dict[str, dict]:
    """Run the worker until ``stop_event`` is set (or, with ``once``, drain and return).

    Safe to run in a thread beside a web server (the demo does): it installs no signal
    handlers; the caller sets ``stop_event`` to stop it.

    :param once: drain what is due now and return, without the clock.
    :param stop_event: set it to stop gracefully (the current event finishes first).
    :return: per queue, counts by outcome over the whole run.
    """
    worker_id = new_worker_id()
    stop = stop_event or threading.Event()
    with app.app_context():
        if once:
            return drain_queues(worker_id)
        poll = float(app.config["WORKER_POLL_INTERVAL"])
        log.info("worker %s started; polling every %ss", worker_id, poll)
        totals: dict[str, Counter[str]] = {name: Counter() for name, _ in QUEUES}
        clock = Clock(app, worker_id).start()
        try:
            while not stop.is_set():
                try:
                    for name, counts in drain_queues(worker_id, stop).items():
                        totals[name].update(counts)
                except Exception:
                    # A database outage must not kill the worker; the next poll tries again.
                    db.session.rollback()
                    log.exception("draining the queues failed; retrying in %ss", poll)
                stop.wait(poll)
        finally:
            clock.stop()
            log.info("worker %s stopped", worker_id)
        return {name: dict(counts) for name, counts in totals.items()}
