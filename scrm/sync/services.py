"""The full sync: pull the directory, tags, customers and groups from WeCom and reconcile.

Stages run in order — departments, staff, tags, customers, groups — because each needs the
one before it (follows need staff; tag names on follows need the corp tags). The
:class:`~scrm.sync.models.SyncRun` row records the stage and a checkpoint and is committed
after every page, so a run that fails half-way (a WeCom outage) resumes where it stopped:
finished stages and pages are not fetched again. Unlike domain services, :func:`run_full_sync`
commits: it owns its unit of work, one transaction per page.

Removals are found by time, not by memory: every row the run sees gets ``synced_at`` set, so
"not seen in this run" is ``synced_at < run.started_at`` — true across a resume too.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.errors import ScrmError
from scrm.sync.customers import sync_customers
from scrm.sync.directory import sync_departments, sync_staff
from scrm.sync.groups import sync_groups
from scrm.sync.models import DONE, FAILED, RUNNING, SyncRun
from scrm.sync.run_state import SYNC_LEASE, SYNC_LEASE_SECONDS, SyncContext, hold_sync_lease
from scrm.sync.tags import sync_tags
from scrm.wecom.errors import (
    InvalidCredential,
    IpNotAllowed,
    PermissionDenied,
    WeComBusy,
    WeComError,
    WeComUnavailable,
)
from scrm.worker.lease import lease_holder, release_lease

log = logging.getLogger(__name__)

#: A run given up with ``scrm sync --restart``; never resumed.
ABANDONED = "abandoned"


class SyncFailed(ScrmError):
    """A sync run stopped; the message says where, why, and how to resume."""

    status_code = 503


_STAGE_STEPS: dict[str, Callable[[SyncContext], None]] = {
    "departments": sync_departments,
    "staff": sync_staff,
    "tags": sync_tags,
    "customers": sync_customers,
    "groups": sync_groups,
}
STAGES = tuple(_STAGE_STEPS)

_REQUIRED_SETTINGS = ("WECOM_CORP_ID", "WECOM_CONTACT_SECRET", "WECOM_AGENT_SECRET")


def latest_sync_run() -> SyncRun | None:
    """The most recent sync run, finished or not."""
    return db.session.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(1)).first()


def _start_or_resume(restart: bool, progress: Callable[[str], None]) -> SyncRun:
    run = latest_sync_run()
    if run is not None and run.status in (RUNNING, FAILED):
        if restart:
            run.status = ABANDONED
            run.finished_at = utcnow()
            progress(f"abandoned sync run {run.id} (stopped at stage {run.stage})")
        else:
            # A run still marked running was killed without a chance to record it; resuming
            # it is as safe as resuming a failed one, because every page is idempotent.
            run.status = RUNNING
            run.attempts += 1
            run.last_error = None
            db.session.commit()  # commit in steps: marked running before its first page
            progress(
                f"resuming sync run {run.id} at stage {run.stage} (attempt {run.attempts}); "
                "pass --restart to start over instead"
            )
            return run
    run = SyncRun(
        status=RUNNING, stage=STAGES[0], checkpoint={}, counts={}, attempts=1, started_at=utcnow()
    )
    db.session.add(run)
    db.session.commit()  # commit in steps: the run exists before its first page
    progress(f"started sync run {run.id}")
    return run


def run_full_sync(
    *, restart: bool = False, progress: Callable[[str], None] | None = None
) -> SyncRun:
    """Pull everything from WeCom and reconcile it with the database; commits page by page.

    Resumes the latest run if it failed (or was killed) unless ``restart`` is given.

    :param restart: abandon an unfinished run and start a new one from the first stage.
    :param progress: called with one line of text as each stage starts or a run resumes.
    :raise SyncFailed: a WeCom call failed; the run is marked failed at its checkpoint and the
        message says what failed and how to resume.
    """
    progress = progress or (lambda line: log.info("%s", line))
    missing = [key for key in _REQUIRED_SETTINGS if not current_app.config.get(key)]
    if missing:
        raise SyncFailed(
            f"cannot sync: {', '.join(missing)} not set; run `flask --app app scrm check-config` "
            "to see where to find each value"
        )
    holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    if not hold_sync_lease(holder):
        db.session.rollback()
        raise SyncFailed(
            f"another full sync is running ({lease_holder(SYNC_LEASE)}); wait for it to finish. "
            f"If its process died, rerun in {SYNC_LEASE_SECONDS // 60} minutes, when its lease "
            "expires, and it resumes where that run stopped"
        )
    db.session.commit()  # commit in steps: other syncs see our lease now
    try:
        return _run_stages(restart, progress, holder)
    finally:
        db.session.rollback()
        release_lease(SYNC_LEASE, holder)
        db.session.commit()  # commit in steps: the lease goes whatever happened


def _run_stages(restart: bool, progress: Callable[[str], None], holder: str) -> SyncRun:
    run = _start_or_resume(restart, progress)
    ctx = SyncContext(run, progress, holder)
    try:
        for stage in STAGES[STAGES.index(run.stage) :]:
            if run.stage != stage:
                ctx.advance(stage)
            progress(f"stage {stage}…")
            _STAGE_STEPS[stage](ctx)
        run.status = DONE
        run.finished_at = utcnow()
        ctx.save({})
    except WeComError as exc:
        message = _failure_message(run, exc)
        _mark_failed(run, message)
        raise SyncFailed(message) from exc
    except BaseException as exc:
        # Interrupted (Ctrl-C) or a bug: record it so the run is not left "running".
        _mark_failed(run, f"stopped at stage {run.stage}: {type(exc).__name__}: {exc}")
        raise
    return run


def _mark_failed(run: SyncRun, message: str) -> None:
    run_id = run.id
    db.session.rollback()
    run = db.session.get(SyncRun, run_id)
    run.status = FAILED
    run.last_error = message
    db.session.commit()  # commit in steps: the failure is kept for the resume
    log.warning("sync run %s failed: %s", run_id, message)


def _failure_message(run: SyncRun, exc: WeComError) -> str:
    hint = ""
    if isinstance(exc, WeComBusy | WeComUnavailable):
        hint = " WeCom (or the network to it) is unavailable; wait, then retry."
    elif isinstance(exc, InvalidCredential):
        hint = " A corp id or secret is wrong: run `flask --app app scrm check-config --online`."
    elif isinstance(exc, IpNotAllowed):
        hint = " Add this server's IP to the app's 企业可信IP (应用管理 → the app → 企业可信IP)."
    elif isinstance(exc, PermissionDenied):
        hint = (
            " The app lacks permission: add it to 客户联系 → 可调用接口的应用"
            " and check its 可见范围."
        )
    return (
        f"sync run {run.id} failed at stage {run.stage}: {exc}.{hint} Pages already saved are "
        "kept; rerun `flask --app app scrm sync` to resume from this point."
    )
