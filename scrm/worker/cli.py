"""``scrm worker`` (the queue worker and clock) and ``scrm retry-failed-events``."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from scrm.db import commits

log = logging.getLogger(__name__)


def _summary(counts: dict[str, dict]) -> str:
    parts = []
    for queue, outcomes in counts.items():
        shown = " ".join(f"{k}={v}" for k, v in sorted(outcomes.items())) or "nothing due"
        parts.append(f"{queue}: {shown}")
    return "; ".join(parts)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Drain what is due now and exit (no clock).")
def worker_command(once: bool) -> None:
    """Drain the inbox (and outbox) and run the clock while leader; Ctrl-C stops it."""
    from scrm.worker.runner import run_worker

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    app = current_app._get_current_object()
    if once:
        click.echo(_summary(run_worker(app, once=True)))
        return
    stop = threading.Event()

    def request_stop(signum, frame):
        log.info("signal %s: finishing the current event, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo(_summary(run_worker(app, stop_event=stop)))


@click.command("retry-failed-events")
@with_appcontext
@click.option("--id", "event_ids", type=int, multiple=True, help="Only this event (repeatable).")
@commits
def retry_failed_events_command(event_ids: tuple[int, ...]) -> None:
    """Requeue inbound events marked failed, for a fresh set of attempts by the worker."""
    from scrm.inbox.services import retry_failed_events

    count = retry_failed_events(list(event_ids) if event_ids else None)
    click.echo(f"requeued {count} failed inbound event(s); the worker applies them next")
