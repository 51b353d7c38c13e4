"""Following a campaign in WeCom: who confirmed, what each recipient got; reminders; cancel.

WeCom sends no callback when an RM confirms a mass message, so scrm polls: the outbox's
delivery gives each RM's ``msgid``; ``get_groupmsg_task`` says whether the RM confirmed;
``get_groupmsg_send_result`` says, per recipient, sent / not a friend (2) / already got one
that day (3, WeCom's word is final). RMs who have not confirmed can be reminded through WeCom
(``remind_groupmsg_send``: 3 per message in any 24 hours) and the campaign cancelled
(``cancel_groupmsg_send``): what was sent stays sent, the rest is marked cancelled. Functions
flush; callers commit.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from scrm.campaigns.models import (
    CANCELLED,
    CANCELLED_RECIPIENT,
    DAILY_LIMIT,
    FINISHED,
    GROUP,
    NOT_FRIEND,
    QUEUED,
    REASON_CANCELLED,
    REASON_TASK_FAILED,
    REASON_WECOM_DAILY_LIMIT,
    REASON_WECOM_NOT_FRIEND,
    REASON_WECOM_UNSENT,
    SENDER_CANCELLED,
    SENDER_CONFIRMED,
    SENDER_FAILED,
    SENDER_QUEUED,
    SENDER_WAITING,
    SENDING,
    SENT,
    UNSENT,
    CampaignRecipient,
    CampaignSender,
    MassCampaign,
)
from scrm.db import db
from scrm.errors import ScrmError
from scrm.outbox.models import DEAD, Delivery
from scrm.outbox.models import SENT as DELIVERY_SENT
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import groupmsg as api
from scrm.wecom.errors import WeComError

log = logging.getLogger(__name__)

REMINDERS_PER_DAY = 3  # WeCom's limit per message in any 24 hours
REMIND_WINDOW = timedelta(hours=24)
_BY_WECOM_STATUS = {
    api.RECIPIENT_SENT: (SENT, None),
    api.RECIPIENT_NOT_FRIEND: (NOT_FRIEND, REASON_WECOM_NOT_FRIEND),
    api.RECIPIENT_QUOTA_TAKEN: (DAILY_LIMIT, REASON_WECOM_DAILY_LIMIT),
    api.RECIPIENT_UNSENT: (UNSENT, REASON_WECOM_UNSENT),
}


class CampaignStateError(ScrmError):
    """An action the campaign's state does not allow; the message says what is possible."""


def _recipients(sender: CampaignSender) -> list[CampaignRecipient]:
    return list(
        db.session.scalars(
            select(CampaignRecipient).where(
                CampaignRecipient.campaign_id == sender.campaign_id,
                CampaignRecipient.staff_userid == sender.staff_userid,
            )
        )
    )


def poll_campaign(campaign: MassCampaign, now: datetime) -> Counter[str]:
    """Bring ``campaign`` up to date with WeCom (and cancel parts created after a cancel).

    :return: counts of what changed (``confirmed``, ``sent``, ``not_friend`` …).
    :raise WeComError: WeCom did not answer; what was learnt before is kept (flushed).
    """
    changes: Counter[str] = Counter()
    client = get_client("contact")
    for sender in campaign.senders:
        if sender.status == SENDER_QUEUED:
            _learn_msgid(sender, now, changes)
        if sender.status == SENDER_WAITING and campaign.status == CANCELLED:
            api.cancel_groupmsg_send(client, sender.msgid)
            _cancel_sender(sender, now)
            changes["cancelled"] += 1
            continue
        if sender.status == SENDER_WAITING:
            task = {s.userid: s for s in api.get_groupmsg_task(client, sender.msgid)}
            mine = task.get(sender.staff_userid)
            if mine is None or mine.status != api.SENDER_SENT:
                continue
            sender.status, sender.send_time = SENDER_CONFIRMED, mine.send_time or now
            changes["confirmed"] += 1
        if sender.status == SENDER_CONFIRMED and _open(sender):
            _apply_results(campaign, sender, client, now, changes)
    if campaign.status == SENDING and all(
        s.status in (SENDER_CONFIRMED, SENDER_FAILED) for s in campaign.senders
    ):
        campaign.status, campaign.closed_at = FINISHED, now
    db.session.flush()
    return changes


def _open(sender: CampaignSender) -> bool:
    return any(r.status == QUEUED for r in _recipients(sender))


def _learn_msgid(sender: CampaignSender, now: datetime, changes: Counter[str]) -> None:
    delivery = db.session.get(Delivery, sender.delivery_id) if sender.delivery_id else None
    if delivery is None:
        return
    if delivery.status == DEAD:
        sender.status, sender.note = SENDER_FAILED, f"WeCom refused the task: {delivery.last_error}"
        for r in _recipients(sender):
            if r.status == QUEUED:
                r.status, r.reason, r.updated_at = UNSENT, REASON_TASK_FAILED, now
        changes["failed"] += 1
        return
    if delivery.status != DELIVERY_SENT or not delivery.wecom_ref:
        return  # still in the outbox
    sender.msgid, sender.status = delivery.wecom_ref, SENDER_WAITING
    refused = set((delivery.result or {}).get("fail_list") or [])
    for r in _recipients(sender):
        if r.status == QUEUED and r.target in refused:
            r.status, r.reason, r.updated_at = NOT_FRIEND, REASON_WECOM_NOT_FRIEND, now
            changes["not_friend"] += 1


def _apply_results(campaign, sender, client, now: datetime, changes: Counter[str]) -> None:
    reported = {
        r.target: r for r in api.get_groupmsg_send_result(client, sender.msgid, sender.staff_userid)
    }
    for recipient in _recipients(sender):
        if recipient.status != QUEUED:
            continue
        result = reported.get(recipient.target)
        if result is None and campaign.chat_type != GROUP:
            continue  # not reported yet
        # Group results list only the groups that received it: an unlisted group did not.
        status, reason = _BY_WECOM_STATUS.get(
            result.status if result else api.RECIPIENT_UNSENT, (UNSENT, REASON_WECOM_UNSENT)
        )
        recipient.status, recipient.reason, recipient.updated_at = status, reason, now
        recipient.send_time = result.send_time if result and status == SENT else None
        changes[status] += 1


def _cancel_sender(sender: CampaignSender, now: datetime) -> None:
    sender.status = SENDER_CANCELLED
    for r in _recipients(sender):
        if r.status == QUEUED:
            r.status, r.reason, r.updated_at = CANCELLED_RECIPIENT, REASON_CANCELLED, now


def open_campaigns() -> list[MassCampaign]:
    """Campaigns still followed: sending ones, and cancelled ones with a part still queued in
    the outbox (its WeCom task is cancelled as soon as it exists)."""
    queued = select(CampaignSender.campaign_id).where(CampaignSender.status == SENDER_QUEUED)
    return list(
        db.session.scalars(
            select(MassCampaign)
            .where(
                or_(
                    MassCampaign.status == SENDING,
                    (MassCampaign.status == CANCELLED) & MassCampaign.id.in_(queued),
                )
            )
            .order_by(MassCampaign.id)
        )
    )


def poll_open_campaigns(now: datetime) -> dict[str, int]:
    """Poll every open campaign; one WeCom fails on is retried next time.

    :return: counts: ``campaigns`` polled, ``failed`` polls, and the changes seen.
    """
    counts: Counter[str] = Counter()
    for campaign in open_campaigns():
        try:
            counts.update(poll_campaign(campaign, now))
            counts["campaigns"] += 1
        except WeComError as exc:
            log.warning("campaign %s: WeCom did not answer the poll: %s", campaign.id, exc)
            counts["failed"] += 1
    return dict(counts)


def remind_unconfirmed(campaign: MassCampaign, now: datetime) -> dict[str, str]:
    """Ask WeCom to remind each RM who has not confirmed (``remind_groupmsg_send``), at most
    :data:`REMINDERS_PER_DAY` times per RM's message in any 24 hours.

    :return: ``{userid: "reminded" | why not}``.
    :raise CampaignStateError: the campaign is not sending.
    """
    if campaign.status != SENDING:
        raise CampaignStateError(
            f"campaign #{campaign.id} is {campaign.status}; only a sending campaign's RMs are "
            "reminded"
        )
    poll_campaign(campaign, now)  # nobody is reminded of a message they just confirmed
    client = get_client("contact")
    outcome: dict[str, str] = {}
    for sender in campaign.senders:
        if sender.status != SENDER_WAITING:
            continue
        recent = [
            t
            for t in (datetime.fromisoformat(x) for x in sender.reminded_at)
            if t > now - REMIND_WINDOW
        ]
        if len(recent) >= REMINDERS_PER_DAY:
            again = min(recent) + REMIND_WINDOW
            outcome[sender.staff_userid] = (
                f"refused: WeCom allows {REMINDERS_PER_DAY} reminders in 24 hours; the next is "
                f"possible after {again.isoformat(timespec='minutes')}"
            )
            continue
        try:
            api.remind_groupmsg_send(client, sender.msgid)
        except WeComError as exc:
            outcome[sender.staff_userid] = f"refused by WeCom: errcode {exc.errcode}"
            continue
        sender.reminded_at = [t.isoformat() for t in recent] + [now.isoformat()]
        outcome[sender.staff_userid] = "reminded"
    db.session.flush()
    return outcome


def cancel_campaign(campaign: MassCampaign, now: datetime, *, by: str) -> MassCampaign:
    """Cancel a sending campaign: poll first (what was sent stays sent), then stop every RM's
    unconfirmed task in WeCom; their recipients are marked cancelled.

    :param by: who cancelled it (kept in the campaign's note).
    :raise CampaignStateError: the campaign is not sending.
    :raise WeComError: WeCom did not answer; the campaign stays sending — try again.
    """
    if campaign.status != SENDING:
        raise CampaignStateError(
            f"campaign #{campaign.id} is {campaign.status}; only a sending campaign is cancelled"
        )
    poll_campaign(campaign, now)
    if campaign.status != SENDING:
        raise CampaignStateError(f"campaign #{campaign.id} finished: every RM already confirmed")
    client = get_client("contact")
    for sender in campaign.senders:
        if sender.status == SENDER_WAITING:
            api.cancel_groupmsg_send(client, sender.msgid)
            _cancel_sender(sender, now)
        elif sender.status == SENDER_QUEUED:
            for r in _recipients(sender):  # its task is cancelled once the outbox creates it
                if r.status == QUEUED:
                    r.status, r.reason, r.updated_at = CANCELLED_RECIPIENT, REASON_CANCELLED, now
    campaign.status, campaign.closed_at = CANCELLED, now
    campaign.note = f"cancelled by {by}"
    db.session.flush()
    return campaign
