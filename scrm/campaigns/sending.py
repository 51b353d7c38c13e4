"""Creating and sending a mass campaign (客户群发) through the one outbound gate.

A campaign goes to a segment (1v1: one ``add_msg_template`` per RM, ``chat_type`` single, that
RM's customers as ``external_userid``, the RM as sender) or to customer groups (one per group
owner, ``chat_id_list``). Before anything is submitted, recipients who got a mass message today
or refused the conversation archive are excluded and recorded with the reason. Each RM's part
then goes through :func:`scrm.compliance.gateway.submit` (origin ``mass_message``, key
``campaign:<id>:<userid>``): a blocked text stops the campaign with the gate's words and
nothing is queued; a warned text waits for a confirm reason. Functions flush; callers commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from scrm.campaigns import exclusions
from scrm.campaigns.models import (
    AWAITING_CONFIRMATION,
    BLOCKED,
    CANCELLED,
    DRAFT,
    EXCLUDED,
    FINISHED,
    GROUP,
    QUEUED,
    REASON_ARCHIVE_DISAGREED,
    REASON_DAILY_LIMIT,
    SENDING,
    SINGLE,
    CampaignRecipient,
    CampaignSender,
    MassCampaign,
    Segment,
)
from scrm.campaigns.segments import segment_members
from scrm.compliance.decisions import explain_hits
from scrm.compliance.gateway import GateResult, OutboundMessage, submit
from scrm.compliance.vocabulary import InvalidMessage
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.groups.models import GROUP_NORMAL, CustomerGroup
from scrm.outbox.kinds import MASS_MESSAGE, MAX_EXTERNAL_USERIDS, InvalidDelivery, validate_payload

ORIGIN = "mass_message"


class CampaignError(ScrmError):
    """A campaign that cannot be created or sent as asked; the message names the fix."""


def create_campaign(
    *,
    name: str,
    created_by: str,
    text: str | None,
    attachments: Sequence[Mapping[str, Any]] = (),
    segment: Segment | None = None,
    chat_ids: Sequence[str] = (),
) -> MassCampaign:
    """Create a draft campaign to ``segment`` (1v1) or to the groups ``chat_ids``.

    :param text: up to 4,000 bytes (WeCom's limit, checked by the outbox's rules).
    :param attachments: up to 9 WeCom attachment sections.
    :raise CampaignError: no or both audiences, a blank name, or content WeCom would refuse.
    """
    if not isinstance(name, str) or not name.strip():
        raise CampaignError("give the campaign a name, e.g. 代发客户春季理财")
    if (segment is None) == (not chat_ids):
        raise CampaignError("choose the audience: a segment (1v1) or customer groups, not both")
    chat_type = SINGLE if segment is not None else GROUP
    attachments = [dict(a) for a in attachments]
    sample = _payload(chat_type, "sample.rm", ["sample"], text, attachments)
    try:
        validate_payload(MASS_MESSAGE, sample)
    except InvalidDelivery as exc:
        raise CampaignError(str(exc)) from None
    campaign = MassCampaign(
        name=name.strip(),
        chat_type=chat_type,
        segment=segment,
        chat_ids=list(dict.fromkeys(chat_ids)),
        text=text or None,
        attachments=attachments,
        status=DRAFT,
        created_by=created_by,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def send_campaign(
    campaign: MassCampaign,
    *,
    now: datetime,
    confirm_reason: str | None = None,
    scope_staff: Staff | None = None,
) -> MassCampaign:
    """Exclude, then submit each RM's part through the gate. Running it again on a campaign
    that is already sending (or done) changes nothing and sends nothing.

    :param now: the time of sending (its local day is the one-per-day window).
    :param confirm_reason: why a warned text may go anyway.
    :param scope_staff: the member of staff sending; an RM reaches only their own customers, a
        branch lead their subtree's (``None``: an operator on the CLI, the whole bank).
    :raise CampaignError: a blocked campaign, nobody to send to.
    :raise WeComError: the archive-agreement check did not answer; nothing was submitted.
    """
    if campaign.status in (SENDING, FINISHED, CANCELLED):
        return campaign
    if campaign.status == BLOCKED:
        raise CampaignError(
            f"campaign #{campaign.id} was blocked ({campaign.note}); create a new campaign "
            "with reworded text"
        )
    targets = _targets(campaign, scope_staff)
    excluded = _exclusions(campaign, targets, now)
    by_rm: dict[str, list[str]] = {}
    for target, userid in targets:
        if target not in excluded:
            by_rm.setdefault(userid, []).append(target)
    if not by_rm:
        reasons = sorted(set(excluded.values()))
        raise CampaignError(
            f"all {len(targets)} recipients are excluded ({', '.join(reasons)}); nothing to "
            "send — try again tomorrow or choose another audience"
        )
    for userid, chunk in by_rm.items():
        if len(chunk) > MAX_EXTERNAL_USERIDS:
            raise CampaignError(
                f"{userid} has {len(chunk)} recipients; WeCom allows {MAX_EXTERNAL_USERIDS} per "
                "mass message — narrow the segment (e.g. by tier) and send in two campaigns"
            )
    results: dict[str, GateResult] = {}
    for userid, chunk in by_rm.items():
        result = _submit(campaign, userid, chunk, confirm_reason)
        if not result.released:
            _stop(campaign, result)  # same text for everyone: the first RM's verdict is all's
            db.session.flush()
            return campaign
        results[userid] = result
    _record(campaign, targets, excluded, results)
    campaign.status, campaign.note = SENDING, None
    campaign.confirm_reason = confirm_reason
    campaign.submitted_at = now
    db.session.flush()
    return campaign


def _targets(campaign: MassCampaign, scope_staff: Staff | None) -> list[tuple[str, str]]:
    if campaign.chat_type == SINGLE:
        members = segment_members(campaign.segment.filters, scope_staff=scope_staff)
        if not members:
            raise CampaignError(
                f"segment {campaign.segment.name!r} selects nobody you may reach; preview it "
                "(`scrm campaigns segment-preview`) and loosen its filters"
            )
        return members
    groups = {
        g.chat_id: g
        for g in db.session.scalars(
            select(CustomerGroup).where(
                CustomerGroup.chat_id.in_(campaign.chat_ids),
                CustomerGroup.status == GROUP_NORMAL,
                CustomerGroup.removed_at.is_(None),
            )
        )
    }
    missing = [c for c in campaign.chat_ids if c not in groups or groups[c].owner is None]
    if missing:
        raise CampaignError(
            f"no open group with an owner for chat id {', '.join(missing[:5])}; check the ids "
            "or run `scrm sync`"
        )
    if scope_staff is not None:
        from scrm.groups.access import visible_groups  # the web's scope rules, one place

        visible = set(db.session.scalars(visible_groups(scope_staff)))
        hidden = [c for c, g in groups.items() if g.id not in visible]
        if hidden:
            raise CampaignError(
                f"group {', '.join(hidden[:5])} is outside your scope; remove it", status_code=403
            )
    return [(c, groups[c].owner.userid) for c in campaign.chat_ids]


def _exclusions(campaign: MassCampaign, targets, now: datetime) -> dict[str, str]:
    ids = [t for t, _ in targets]
    excluded = {
        t: REASON_DAILY_LIMIT
        for t in exclusions.mass_messaged_today(ids, now, groups=campaign.chat_type == GROUP)
    }
    if campaign.chat_type == SINGLE:
        pairs = [(t, u) for t, u in targets if t not in excluded]
        for target in exclusions.archive_refused(pairs):
            excluded[target] = REASON_ARCHIVE_DISAGREED
    return excluded


def _payload(chat_type, userid, targets, text, attachments) -> dict[str, Any]:
    body: dict[str, Any] = {"chat_type": chat_type, "sender": userid}
    body["external_userid" if chat_type == SINGLE else "chat_id_list"] = list(targets)
    if text:
        body["text"] = {"content": text}
    if attachments:
        body["attachments"] = list(attachments)
    return body


def _submit(campaign, userid: str, targets: list[str], reason: str | None) -> GateResult:
    single = campaign.chat_type == SINGLE
    try:
        return submit(
            OutboundMessage(
                channel=campaign.chat_type,
                origin=ORIGIN,
                sender_userid=userid,
                text=campaign.text,
                delivery_kind=MASS_MESSAGE,
                delivery_payload=_payload(
                    campaign.chat_type, userid, targets, campaign.text, campaign.attachments
                ),
                recipients=targets if single else (),
                chat_ids=() if single else targets,
                msgtype=campaign.attachments[0]["msgtype"] if campaign.attachments else "text",
                attachments=list(campaign.attachments),
                confirm_reason=reason,
                idempotency_key=f"campaign:{campaign.id}:{userid}",
                attempted_by=campaign.created_by,
            )
        )
    except InvalidMessage as exc:
        raise CampaignError(str(exc)) from None


def _stop(campaign: MassCampaign, result: GateResult) -> None:
    words = explain_hits(result.hits)
    if result.decision == "block":
        campaign.status = BLOCKED
        campaign.note = f"blocked by the compliance gate: {words} — reword it in a new campaign"
    else:
        campaign.status = AWAITING_CONFIRMATION
        campaign.note = (
            f"warned by the compliance gate: {words} — reword it, or send again with a "
            "confirm reason"
        )


def _record(campaign, targets, excluded: dict[str, str], results: dict[str, GateResult]):
    for userid, result in results.items():
        db.session.add(
            CampaignSender(
                campaign_id=campaign.id,
                staff_userid=userid,
                archived_message_id=result.archived_message_id,
                delivery_id=result.delivery_id,
                reminded_at=[],
            )
        )
    rows = [
        {
            "campaign_id": campaign.id,
            "staff_userid": userid,
            "target": target,
            "status": EXCLUDED if target in excluded else QUEUED,
            "reason": excluded.get(target),
            "updated_at": utcnow(),
        }
        for target, userid in targets
    ]
    for start in range(0, len(rows), 1000):  # executemany: fast for 100,000 recipients
        db.session.execute(insert(CampaignRecipient), rows[start : start + 1000])
