"""What became of each handover: polling WeCom (``[resigned/]transfer_result``), applying
``transfer_fail`` events, and the report of every customer and group. Writers flush; the
caller commits.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from scrm.custody.handover import start_handover
from scrm.custody.models import (
    CLOSED,
    FINAL,
    GROUP_FAILED,
    GROUP_MOVED,
    GROUP_PLANNED,
    INHERITED,
    OPEN,
    PLANNED,
    REFUSED_BY_CUSTOMER,
    RESIGNED,
    TAKEOVER_AT_LIMIT,
    WAITING,
    Handover,
    HandoverCustomer,
)
from scrm.customers import services as customers
from scrm.customers.models import FOLLOW_TRANSFERRED, Customer
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import transfer as transfer_api

log = logging.getLogger(__name__)

FAIL_REASONS = {
    transfer_api.STATUS_REFUSED: (REFUSED_BY_CUSTOMER, "customer_refused"),
    transfer_api.STATUS_AT_LIMIT: (TAKEOVER_AT_LIMIT, "customer_limit_exceed"),
}
BY_EVENT_REASON = {reason: status for status, reason in FAIL_REASONS.values()}


def poll_handovers() -> dict[str, int]:
    """Follow up every open handover: resume rows still planned, read WeCom's results for
    rows waiting, apply them, close handovers whose rows are all final.

    Never starts a row twice: only ``planned`` rows are sent to WeCom.

    :return: counts of rows that became inherited / failed, and handovers closed.
    :raise WeComError: WeCom cannot be reached; what was applied stays, the rest waits.
    """
    counts = {"inherited": 0, "failed": 0, "closed": 0}
    handovers = db.session.scalars(
        select(Handover).where(Handover.status == OPEN).order_by(Handover.id)
    ).all()
    for handover in handovers:
        unsent = any(r.status == PLANNED for r in handover.customers) or any(
            g.status == GROUP_PLANNED for g in handover.groups
        )
        if unsent and handover.started_at is not None:  # a start cut short: resume it
            start_handover(handover)
        if any(row.status == WAITING for row in handover.customers):
            inherited, failed = _apply_results(handover)
            counts["inherited"] += inherited
            counts["failed"] += failed
        if all(r.status in FINAL for r in handover.customers) and not any(
            g.status == GROUP_PLANNED for g in handover.groups
        ):
            handover.status, handover.closed_at = CLOSED, utcnow()
            counts["closed"] += 1
    db.session.flush()
    return counts


def _apply_results(handover: Handover) -> tuple[int, int]:
    handover_userid = handover.handover_staff.userid
    takeover_userid = handover.takeover_staff.userid
    statuses = transfer_api.transfer_results(
        get_client("contact"),
        handover_userid,
        takeover_userid,
        resigned=handover.kind == RESIGNED,
    )
    by_customer = {s.external_userid: s for s in statuses}
    inherited, failed = [], 0
    for row in handover.customers:
        result = by_customer.get(row.external_userid)
        if row.status != WAITING or result is None:
            continue
        if result.status == transfer_api.STATUS_DONE:
            row.status, row.finished_at = INHERITED, result.takeover_time or utcnow()
            inherited.append(row)
        elif result.status in FAIL_REASONS:
            row.status, row.reason = FAIL_REASONS[result.status]
            row.finished_at = utcnow()
            customers.record_transfer_failure(row.external_userid, takeover_userid, row.reason)
            failed += 1
    db.session.flush()
    for row in inherited:
        # The takeover RM's follow from WeCom's truth; the old one ends as "transferred".
        customers.refresh_customer(row.external_userid)
        customers.mark_follow_removed(row.external_userid, handover_userid, FOLLOW_TRANSFERRED)
    return len(inherited), failed


def record_transfer_fail(external_userid: str, takeover_userid: str, reason: str) -> int:
    """Apply a ``transfer_fail`` event to the waiting plan rows of handovers to
    ``takeover_userid``.

    :param reason: ``customer_refused`` or ``customer_limit_exceed``.
    :return: how many rows changed (0 when scrm started no such handover).
    """
    status = BY_EVENT_REASON.get(reason)
    if status is None:
        log.warning(
            "transfer_fail with unknown reason %r for a handover to %s", reason, takeover_userid
        )
        return 0
    rows = db.session.scalars(
        select(HandoverCustomer)
        .join(Handover)
        .join(Staff, Staff.id == Handover.takeover_staff_id)
        .where(
            HandoverCustomer.external_userid == external_userid,
            HandoverCustomer.status == WAITING,
            Staff.userid == takeover_userid,
        )
    ).all()
    for row in rows:
        row.status, row.reason, row.finished_at = status, reason, utcnow()
    db.session.flush()
    return len(rows)


def report(handover: Handover) -> dict:
    """Every customer and group of a handover: inherited, waiting or failed (with why)."""
    names = dict(
        db.session.execute(
            select(Customer.id, Customer.name).where(
                Customer.id.in_([r.customer_id for r in handover.customers])
            )
        ).all()
    )
    rows = [
        {
            "external_userid": r.external_userid,
            "name": names.get(r.customer_id, ""),
            "outcome": _customer_outcome(r.status),
            "status": r.status,
            "reason": r.reason,
        }
        for r in handover.customers
    ]
    group_rows = []
    for g in handover.groups:
        group = db.session.get(CustomerGroup, g.group_id)
        moved = g.status == GROUP_MOVED
        owner_now = group is not None and group.owner_id == handover.takeover_staff_id
        group_rows.append(
            {
                "chat_id": g.chat_id,
                "name": group.name if group else "",
                "outcome": "failed"
                if g.status == GROUP_FAILED
                else ("inherited" if moved and owner_now else "waiting"),
                "status": g.status,
                "reason": g.reason,
            }
        )
    outcomes = [r["outcome"] for r in rows + group_rows]
    return {
        "id": handover.id,
        "kind": handover.kind,
        "status": handover.status,
        "handover_userid": handover.handover_staff.userid,
        "takeover_userid": handover.takeover_staff.userid if handover.takeover_staff else None,
        "created_at": handover.created_at.isoformat(),
        "customers": rows,
        "groups": group_rows,
        "counts": {k: outcomes.count(k) for k in ("inherited", "waiting", "failed")},
    }


def _customer_outcome(status: str) -> str:
    if status == INHERITED:
        return "inherited"
    if status in (PLANNED, WAITING):
        return "waiting"
    return "failed"
