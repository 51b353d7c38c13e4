"""在职转接: a branch lead (or HQ ops) hands some or all customers, and optionally groups, of an
RM who is still at the bank to another RM; and the starting of any handover's plan rows.

WeCom starts each customer's handover (``transfer_customer``, 100 a call) and completes it 24
hours later unless the customer refuses; :mod:`scrm.custody.results` follows it up. Writers
flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.custody.models import (
    CLOSED,
    GROUP_FAILED,
    GROUP_MOVED,
    GROUP_PLANNED,
    ONJOB,
    OPEN,
    PLANNED,
    REFUSED_BY_WECOM,
    RESIGNED,
    WAITING,
    Handover,
    HandoverCustomer,
    HandoverGroup,
)
from scrm.customers.models import FOLLOW_ACTIVE, FOLLOW_HALF, Customer, Follow
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.groups.models import GROUP_DISMISSED, CustomerGroup
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import transfer as transfer_api

log = logging.getLogger(__name__)

#: Why WeCom refused one customer, in the bank's words (per-customer errcode).
REFUSAL_REASONS = {
    transfer_api.ERR_TOO_OFTEN: "handed over twice in 90 days already (WeCom's limit); "
    "try again after the 90 days or keep the current RM",
    40130: "the takeover RM is the same as the current RM",
    84061: "not this RM's customer in WeCom any more",
    40096: "WeCom does not know this customer",
}


class HandoverError(ScrmError, ValueError):
    """A handover that cannot be made; the message names the fix."""


def live_customers(staff: Staff) -> list[Customer]:
    """The customers ``staff`` serves (active or half-added follows), oldest first."""
    return list(
        db.session.scalars(
            select(Customer)
            .join(Follow, Follow.customer_id == Customer.id)
            .where(Follow.staff_id == staff.id, Follow.status.in_((FOLLOW_ACTIVE, FOLLOW_HALF)))
            .order_by(Follow.id)
        )
    )


def owned_groups(staff: Staff) -> list[CustomerGroup]:
    """The customer groups ``staff`` owns that are not dismissed."""
    return list(
        db.session.scalars(
            select(CustomerGroup)
            .where(CustomerGroup.owner_id == staff.id, CustomerGroup.status != GROUP_DISMISSED)
            .order_by(CustomerGroup.id)
        )
    )


def in_open_handover(customer_id: int) -> bool:
    """True when the customer is planned or waiting in any handover that is not closed."""
    return (
        db.session.scalar(
            select(HandoverCustomer.id)
            .join(Handover)
            .where(
                HandoverCustomer.customer_id == customer_id,
                HandoverCustomer.status.in_((PLANNED, WAITING)),
                Handover.status != CLOSED,
            )
            .limit(1)
        )
        is not None
    )


def add_plan_rows(handover: Handover, customers: Sequence[Customer], groups=()) -> int:
    """Add customers and groups to a handover's plan, skipping any already planned here or
    in another open handover.

    :return: how many customers were added.
    """
    planned = {row.customer_id for row in handover.customers}
    added = 0
    for customer in customers:
        if customer.id in planned or in_open_handover(customer.id):
            continue
        db.session.add(
            HandoverCustomer(
                handover=handover, customer_id=customer.id, external_userid=customer.external_userid
            )
        )
        planned.add(customer.id)
        added += 1
    have = {row.group_id for row in handover.groups}
    for group in groups:
        if group.id not in have:
            db.session.add(
                HandoverGroup(handover=handover, group_id=group.id, chat_id=group.chat_id)
            )
            have.add(group.id)
    db.session.flush()
    return added


def create_handover(
    handover_staff: Staff,
    takeover_staff: Staff,
    *,
    requested_by: str,
    external_userids: Sequence[str] | None = None,
    include_groups: bool = False,
    success_msg: str | None = None,
    confirm_reason: str | None = None,
    reason: str | None = None,
    request_key: str | None = None,
) -> Handover:
    """Plan an on-job handover (在职转接) from one RM to another; :func:`start_handover`
    asks WeCom.

    :param external_userids: the customers to hand over (default: all the RM serves).
    :param success_msg: what WeCom shows each customer when it completes (≤200 characters);
        it passes the compliance gate and is archived there.
    :param confirm_reason: why a warned wording may go anyway.
    :param request_key: a form posted twice creates one handover.
    :raise HandoverError: same RM, an unknown customer, a blocked or unconfirmed message.
    """
    if request_key:
        existing = db.session.scalar(select(Handover).where(Handover.request_key == request_key))
        if existing is not None:
            return existing
    if handover_staff.id == takeover_staff.id:
        raise HandoverError("the takeover RM must differ from the current RM; choose a colleague")
    if takeover_staff.removed_at is not None or takeover_staff.status != 1:
        raise HandoverError(f"{takeover_staff.userid} is not an active member; choose another RM")
    serving = {c.external_userid: c for c in live_customers(handover_staff)}
    if external_userids is None:
        chosen = list(serving.values())
    else:
        unknown = [e for e in external_userids if e not in serving]
        if unknown:
            raise HandoverError(
                f"{handover_staff.userid} does not serve {', '.join(unknown[:5])}; "
                "list only their current customers"
            )
        chosen = [serving[e] for e in dict.fromkeys(external_userids)]
    if not chosen and not include_groups:
        raise HandoverError(f"{handover_staff.userid} serves no customers; nothing to hand over")
    handover = Handover(
        kind=ONJOB,
        handover_staff=handover_staff,
        takeover_staff=takeover_staff,
        status=OPEN,
        include_groups=include_groups,
        requested_by=requested_by,
        reason=reason,
        request_key=request_key,
    )
    if success_msg:
        handover.success_msg = success_msg
        handover.archived_message_id = _gate_success_msg(
            success_msg, handover_staff, chosen, requested_by, confirm_reason
        )
    db.session.add(handover)
    db.session.flush()
    add_plan_rows(handover, chosen, owned_groups(handover_staff) if include_groups else ())
    return handover


def _gate_success_msg(text, staff, customers, requested_by, confirm_reason) -> int:
    # WeCom shows this text to each customer: it is scanned like any message and archived;
    # nothing is queued (WeCom itself shows it), hence the client-send kind.
    if len(text) > transfer_api.MAX_SUCCESS_MSG_CHARS:
        raise HandoverError(
            f"the handover message has {len(text)} characters; WeCom allows "
            f"{transfer_api.MAX_SUCCESS_MSG_CHARS}: shorten it"
        )
    result = submit(
        OutboundMessage(
            channel="single",
            origin="handover",
            sender_userid=staff.userid,
            text=text,
            delivery_kind=CLIENT_SEND,
            recipients=[c.external_userid for c in customers],
            confirm_reason=confirm_reason,
            attempted_by=requested_by,
        )
    )
    if result.decision == "block":
        words = ", ".join(str(h.get("term") or h.get("word") or h) for h in result.hits[:3])
        raise HandoverError(f"the handover message is blocked by compliance ({words}); reword it")
    if result.needs_confirmation:
        raise HandoverError(
            "the handover message needs confirming (compliance warning); give a confirm reason "
            "or reword it"
        )
    return result.archived_message_id


def start_handover(handover: Handover) -> dict[str, int]:
    """Ask WeCom to start every planned customer (100 a call) and move every planned group.

    Only rows still ``planned`` are sent, so a re-run asks nothing twice. An errcode for one
    customer is recorded with the reason and not retried; 40129 (already in handover, e.g. a
    call whose answer was lost) counts as started.

    :return: counts ``{"started": n, "refused": n, "groups_moved": n, "groups_failed": n}``.
    :raise HandoverError: the handover has no takeover RM yet.
    :raise WeComError: WeCom cannot be reached; rows not yet answered stay planned.
    """
    if handover.takeover_staff is None:
        raise HandoverError(f"handover {handover.id} has no takeover RM; choose one first")
    resigned = handover.kind == RESIGNED
    client = get_client("contact")
    counts = {"started": 0, "refused": 0, "groups_moved": 0, "groups_failed": 0}
    planned = [row for row in handover.customers if row.status == PLANNED]
    for start in range(0, len(planned), transfer_api.BATCH):
        batch = {row.external_userid: row for row in planned[start : start + transfer_api.BATCH]}
        outcomes = transfer_api.transfer_customers(
            client,
            handover.handover_staff.userid,
            handover.takeover_staff.userid,
            list(batch),
            resigned=resigned,
            success_msg=handover.success_msg,
        )
        for outcome in outcomes:
            row = batch.get(outcome.external_userid)
            if row is None:
                continue
            row.errcode, row.started_at = outcome.errcode, utcnow()
            if outcome.errcode in (0, transfer_api.ERR_IN_TRANSFER):
                row.status = WAITING
                counts["started"] += 1
            else:
                row.status, row.finished_at = REFUSED_BY_WECOM, utcnow()
                row.reason = REFUSAL_REASONS.get(
                    outcome.errcode, f"WeCom errcode {outcome.errcode}"
                )
                counts["refused"] += 1
        db.session.flush()
    _move_groups(handover, client, counts)
    handover.started_at = handover.started_at or utcnow()
    db.session.flush()
    log.info("handover %s started: %s", handover.id, counts)
    return counts


def _move_groups(handover: Handover, client, counts: dict[str, int]) -> None:
    planned = [row for row in handover.groups if row.status == GROUP_PLANNED]
    for start in range(0, len(planned), transfer_api.BATCH):
        batch = planned[start : start + transfer_api.BATCH]
        failed = transfer_api.transfer_groups(
            client,
            [row.chat_id for row in batch],
            handover.takeover_staff.userid,
            resigned=handover.kind == RESIGNED,
        )
        for row in batch:
            if row.chat_id in failed:
                row.errcode, errmsg = failed[row.chat_id]
                row.status, row.reason = GROUP_FAILED, errmsg[:200] or f"errcode {row.errcode}"
                counts["groups_failed"] += 1
            else:
                row.status, row.moved_at = GROUP_MOVED, utcnow()
                counts["groups_moved"] += 1
        db.session.flush()
