"""What became of a campaign: totals, per RM, and every recipient who could not be reached."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select

from scrm.campaigns.models import (
    QUEUED,
    REASON_WORDS,
    RECIPIENT_STATES,
    SENT,
    CampaignRecipient,
    MassCampaign,
)
from scrm.customers.models import Customer
from scrm.db import db
from scrm.groups.models import CustomerGroup


def campaign_summary(campaign: MassCampaign) -> dict[str, Any]:
    """The campaign's own fields, for lists and the API."""
    return {
        "id": campaign.id,
        "name": campaign.name,
        "chat_type": campaign.chat_type,
        "segment_id": campaign.segment_id,
        "chat_ids": list(campaign.chat_ids),
        "text": campaign.text,
        "attachments": list(campaign.attachments),
        "status": campaign.status,
        "note": campaign.note,
        "created_by": campaign.created_by,
        "created_at": campaign.created_at.isoformat() if campaign.created_at else None,
        "submitted_at": campaign.submitted_at.isoformat() if campaign.submitted_at else None,
        "closed_at": campaign.closed_at.isoformat() if campaign.closed_at else None,
    }


def campaign_report(campaign: MassCampaign, *, only_rm: str | None = None) -> dict[str, Any]:
    """Totals and per-RM counts by recipient status, each RM's confirmation and reminders,
    and the recipients who were not reached, with the reason in words.

    :param only_rm: restrict the report to one RM's part (an RM sees only their own).
    """
    query = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    if only_rm is not None:
        query = query.where(CampaignRecipient.staff_userid == only_rm)
    rows = list(
        db.session.scalars(query.order_by(CampaignRecipient.staff_userid, CampaignRecipient.target))
    )
    names = _names(campaign, [r.target for r in rows])
    totals: Counter[str] = Counter({state: 0 for state in RECIPIENT_STATES})
    per_rm: dict[str, dict[str, Any]] = {}
    for sender in campaign.senders:
        if only_rm is None or sender.staff_userid == only_rm:
            per_rm[sender.staff_userid] = _rm_part(sender.status, sender.send_time, sender)
    unreachable = []
    for row in rows:
        totals[row.status] += 1
        part = per_rm.setdefault(row.staff_userid, _rm_part("excluded_only", None, None))
        part["counts"][row.status] += 1
        if row.status not in (SENT, QUEUED):
            entry = {
                "target": row.target,
                "name": names.get(row.target, ""),
                "rm": row.staff_userid,
                "status": row.status,
                "reason": row.reason,
                "reason_text": REASON_WORDS.get(row.reason or "", row.reason),
            }
            part["unreachable"].append(entry)
            unreachable.append(entry)
    for part in per_rm.values():
        part["counts"] = dict(part["counts"])
    return {
        "campaign": campaign_summary(campaign),
        "totals": dict(totals),
        "per_rm": per_rm,
        "unreachable": unreachable,
    }


def _rm_part(status: str, send_time, sender) -> dict[str, Any]:
    return {
        "sender_status": status,
        "msgid": sender.msgid if sender else None,
        "confirmed_at": send_time.isoformat() if send_time else None,
        "reminders": list(sender.reminded_at) if sender else [],
        "counts": Counter({state: 0 for state in RECIPIENT_STATES}),
        "unreachable": [],
    }


def _names(campaign: MassCampaign, targets: list[str]) -> dict[str, str]:
    if not targets:
        return {}
    if campaign.chat_type == "group":
        query = select(CustomerGroup.chat_id, CustomerGroup.name).where(
            CustomerGroup.chat_id.in_(targets)
        )
    else:
        query = select(Customer.external_userid, Customer.name).where(
            Customer.external_userid.in_(targets)
        )
    return dict(db.session.execute(query).all())
