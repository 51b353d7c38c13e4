"""Delivering outbox rows through WeCom — the ONLY module that calls WeCom's send endpoints.

Exactly-once effect across crashes: each attempt marks the row ``sending`` and COMMITS
before WeCom is called, then marks it ``sent`` with WeCom's id and commits. A worker that
dies in between leaves the row ``sending``; when its claim expires the next worker settles
that uncertain send before anything else (see :mod:`scrm.outbox.evidence`):

- mass message, moment: found in WeCom's list → ``sent`` with that id; not found → send.
- welcome message: send again; 41051 (code already used) confirms the first send.
- app message: WeCom cannot tell; at most once → ``dead`` "uncertain: may have been sent".

Failures: WeCom busy (-1/45009/45033) → retried with exponential backoff and jitter, then
dead after ``OUTBOX_MAX_ATTEMPTS``; a timeout is an uncertain send (settled as above);
parameter, permission, IP and credential errors → dead at once with the fix. Dead rows
stay visible (``scrm outbox list --status dead``) and ``scrm outbox retry-dead`` requeues.

Welcome messages have 20 seconds: they are claimed before everything else, retried within a
second, and a code surely past its 20 seconds is dead at once (in Chinese: 欢迎语码已过期),
never retried against WeCom.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from flask import current_app

from scrm import fault_injection
from scrm.db import db, utcnow
from scrm.outbox import services
from scrm.outbox.evidence import EVIDENCE_KINDS, find_previous_send
from scrm.outbox.kinds import APP_MESSAGE, MASS_MESSAGE, MOMENT, WELCOME_MSG, send_deadline
from scrm.outbox.models import SENDING, Delivery
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import send as send_api
from scrm.wecom.errors import TokenExpired, WeComError, WeComUnavailable
from scrm.worker.claims import take_claim, working_on

log = logging.getLogger(__name__)

#: Outcomes of :func:`deliver`, also the keys of :func:`drain_outbox`'s counts.
SENT = "sent"
CONFIRMED = "confirmed"  # an earlier, unrecorded send was found to have happened
RETRY = services.RETRY
LOST = "lost"  # the claim expired and another worker holds the row; nothing written

UNCERTAIN_APP_MESSAGE = (
    "uncertain: may have been sent — message/send has no record to check, so it is not "
    "resent automatically; ask the recipient, then `scrm outbox retry-dead --id {id}` to send"
)

WORKER_DIED = (
    "the worker stopped during each of {n} attempts (killed or crashed) and WeCom shows no "
    "send: not retried automatically — check the worker's log, then "
    "`scrm outbox retry-dead --id {id}`"
)

_FIXES = {
    40001: "the app secret is wrong: fix it (scrm check-config --online), then retry-dead",
    40013: "WECOM_CORP_ID is wrong: fix it (scrm check-config --online), then retry-dead",
    41048: "no valid recipient: the customers or groups are no longer the sender's; "
    "refresh the audience and send again",
    41051: "欢迎语码已使用或已过期（企业微信只允许客户添加后20秒内使用一次），不再重发；请客户经理"
    "手动问候客户。 (the welcome code was used or expired — WeCom allows one use within 20 s of "
    "the add; not resent: the RM should greet the customer by hand)",
    48002: "the app may not call this API: grant it under 客户联系 → 可调用接口的应用 (or the "
    "app's permissions), then retry-dead",
    60020: "this server's IP is not in the app's 企业可信IP list: add it, then retry-dead",
    60111: "the sender is not a WeCom member: check the RM's userid and send again",
}


def _describe(exc: WeComError) -> str:
    fix = _FIXES.get(exc.errcode or 0)
    if fix is None:
        fix = "fix the request as WeCom's message says, then retry-dead"
    return f"{exc.path or 'WeCom'} errcode {exc.errcode}: {exc.errmsg[:200]} — {fix}"


def _send(delivery_id: int, kind: str, payload: dict[str, Any]) -> tuple[str, dict]:
    if kind == MASS_MESSAGE:
        created = send_api.add_msg_template(send_api.sending_client("contact"), payload)
        return created.msgid, {"msgid": created.msgid, "fail_list": list(created.fail_list)}
    if kind == WELCOME_MSG:
        send_api.send_welcome_msg(send_api.sending_client("contact"), payload)
        return f"welcome:{payload['welcome_code']}", {"welcome_code": payload["welcome_code"]}
    if kind == MOMENT:
        jobid = send_api.add_moment_task(send_api.sending_client("contact"), payload)
        return jobid, {"jobid": jobid}
    if kind == APP_MESSAGE:
        agent_id = current_app.config["WECOM_AGENT_ID"]
        msgid = send_api.send_app_message(send_api.sending_client("agent"), agent_id, payload)
        return msgid or f"app-message:{delivery_id}", {"msgid": msgid}
    raise ValueError(f"unknown delivery kind {kind!r}")


def _settle(row_id: int, worker_id: str, outcome: str, ref: str, result: dict) -> str:
    if not services.record_sent(row_id, worker_id, ref, result):
        db.session.rollback()
        log.warning(
            "delivery %s: claim lost before marking it sent; the next worker checks", row_id
        )
        return LOST
    db.session.commit()  # commit in steps: WeCom has it, so `sent` is durable at once
    return outcome


def _fail(row_id: int, worker_id: str, error: str, *, retryable: bool, in_flight: bool) -> str:
    outcome = services.record_failure(
        row_id, worker_id, error, retryable=retryable, in_flight=in_flight
    )
    db.session.commit()  # commit in steps: the failed attempt is kept for its retry
    return outcome


def _settle_in_flight(row_id: int, worker_id: str, kind: str, payload: dict, since) -> str | None:
    """Settle a send left uncertain by a dead worker; None means: send (again) now."""
    if kind == APP_MESSAGE:
        error = UNCERTAIN_APP_MESSAGE.format(id=row_id)
        return _fail(row_id, worker_id, error, retryable=False, in_flight=True)
    if kind not in EVIDENCE_KINDS:
        return None  # welcome messages: a resend is safe, WeCom refuses a used code
    try:
        found = find_previous_send(get_client("contact"), kind, payload, since, row_id)
    except Exception as exc:  # WeCom down, or an answer we cannot read: ask again later
        db.session.rollback()
        detail = _describe(exc) if isinstance(exc, WeComError) else type(exc).__name__
        error = f"could not check whether an earlier send arrived: {detail}"
        retryable = exc.retryable if isinstance(exc, WeComError) else True
        return _fail(row_id, worker_id, error, retryable=retryable, in_flight=True)
    if found is None:
        log.info("delivery %s: no earlier send found in WeCom; sending", row_id)
        return None
    ref, result = found
    log.info("delivery %s: earlier send found in WeCom (%s); not resent", row_id, ref)
    return _settle(row_id, worker_id, CONFIRMED, ref, result)


def _after_error(
    row_id: int, worker_id: str, kind: str, payload: dict, exc: Exception, in_flight: bool
) -> str:
    if not isinstance(exc, WeComError) or isinstance(exc, WeComUnavailable):
        # No answer (timeout, 5xx, garbled reply): WeCom may have applied the send.
        detail = _describe(exc) if isinstance(exc, WeComError) else type(exc).__name__
        if kind == APP_MESSAGE:
            error = f"{UNCERTAIN_APP_MESSAGE.format(id=row_id)} ({detail})"
            return _fail(row_id, worker_id, error, retryable=False, in_flight=True)
        return _fail(
            row_id, worker_id, f"no answer from WeCom: {detail}", retryable=True, in_flight=True
        )
    if kind == WELCOME_MSG and in_flight and exc.errcode == 41051:
        ref = f"welcome:{payload['welcome_code']}"
        result = {"welcome_code": payload["welcome_code"], "confirmed_by": "41051"}
        return _settle(row_id, worker_id, CONFIRMED, ref, result)
    retryable = exc.retryable or isinstance(exc, TokenExpired)
    return _fail(row_id, worker_id, _describe(exc), retryable=retryable, in_flight=False)


def deliver(row: Delivery, worker_id: str) -> str:
    """Deliver one claimed row; commits at each durable step.

    The claim is taken afresh before anything else and renewed while the delivery runs,
    however long WeCom takes (:mod:`scrm.worker.claims`). A welcome message whose code is
    surely past its 20 seconds is not sent: it is dead at once with the reason in Chinese.

    :param row: a row returned by :func:`scrm.outbox.services.claim_due_deliveries`.
    :param worker_id: the claimer.
    :return: ``sent``, ``confirmed``, ``retry``, ``dead`` or ``lost``.
    """
    row_id, kind, payload = row.id, row.kind, dict(row.payload)
    in_flight = row.status == SENDING
    deadline = send_deadline(kind, row.created_at)
    seconds = services.claim_seconds()
    if not take_claim(Delivery, services.DUE, row_id, worker_id, seconds):
        return LOST
    with working_on(Delivery, services.DUE, row_id, worker_id, seconds):
        return _deliver(row_id, worker_id, kind, payload, in_flight=in_flight, deadline=deadline)


def _deliver(
    row_id: int, worker_id: str, kind: str, payload: dict, *, in_flight: bool, deadline
) -> str:
    if not services.start_attempt(row_id, worker_id):
        db.session.rollback()
        return LOST
    # commit in steps: durable before WeCom is called, so a crash now leaves `sending`
    db.session.commit()
    started = db.session.get(Delivery, row_id)
    since, attempts = started.sending_started_at, started.attempts
    if in_flight:
        settled = _settle_in_flight(row_id, worker_id, kind, payload, since)
        if settled is not None:
            return settled
        if attempts > int(current_app.config["OUTBOX_MAX_ATTEMPTS"]):
            # Every earlier attempt ended with the worker gone mid-send (killed, out of
            # memory, a crash in our code): stop the loop instead of crashing forever.
            return _fail(
                row_id,
                worker_id,
                WORKER_DIED.format(n=attempts - 1, id=row_id),
                retryable=False,
                in_flight=False,
            )
    elif deadline is not None and utcnow() > deadline:
        # WeCom would only answer 41051: say plainly what happened instead of asking it.
        error = services.WELCOME_CODE_EXPIRED
        return _fail(row_id, worker_id, error, retryable=False, in_flight=False)
    try:
        ref, result = _send(row_id, kind, payload)
    except Exception as exc:  # every failure is recorded on the row, never lost
        db.session.rollback()
        return _after_error(row_id, worker_id, kind, payload, exc, in_flight)
    # The riskiest moment for exactly-once: the crash tests end the worker here.
    fault_injection.reached(fault_injection.OUTBOX_AFTER_SEND, delivery_id=row_id)
    outcome = _settle(row_id, worker_id, SENT, ref, result)
    if outcome == SENT and kind == MOMENT:
        _note_moment_id(row_id, ref)
    return outcome


def _note_moment_id(row_id: int, jobid: str) -> None:
    # Best effort: with the moment_id recorded, a later evidence search never mistakes this
    # moment for another delivery's. The moments domain polls the job result anyway.
    try:
        job = send_api.get_moment_task_result(get_client("contact"), jobid)
    except WeComError as exc:
        log.info("delivery %s: moment job result not available yet: %s", row_id, exc)
        return
    if job.moment_id:
        services.note_moment_id(row_id, job.moment_id)
        db.session.commit()  # commit in steps: a best-effort mark of its own, after `sent`


def drain_outbox(
    worker_id: str,
    batch: int = 10,
    *,
    stop: threading.Event | None = None,
    rounds: int | None = None,
) -> dict[str, int]:
    """Deliver due rows until none is left (or ``stop`` is set); commits per delivery.

    :param worker_id: who claims the rows.
    :param batch: rows claimed at a time; few, so a claimed batch never waits long.
    :param stop: set by a stopping worker; unstarted claims are released.
    :param rounds: claim at most this many batches (the worker does one, then turns back to
        the inbox); ``None`` delivers until nothing is due.
    :return: counts by outcome (``sent``, ``confirmed``, ``retry``, ``dead``, ``lost``).
    """
    counts: Counter[str] = Counter()
    done = 0
    while not (stop and stop.is_set()) and (rounds is None or done < rounds):
        rows = services.claim_due_deliveries(worker_id, batch)
        done += 1
        if not rows:
            break
        for row in rows:
            if stop and stop.is_set():
                services.release_claims(worker_id)
                db.session.commit()  # commit in steps: other workers take the released rows now
                break
            counts[deliver(row, worker_id)] += 1
    return dict(counts)
