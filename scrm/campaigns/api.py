"""The campaigns JSON API under ``/api/campaigns/``: the URL table and thin handlers.

Reading needs ``campaigns.read``, writing ``campaigns.send``. Scope: an RM sees and sends only
to their own customers and sees only the campaigns they created or take part in; a branch lead
the customers of RMs in their subtree and the campaigns created or sent there; HQ everything.
Handlers never commit: the request commits once it answered (:mod:`scrm.db`); only a send
the gate refused commits itself, so the refusal is kept though the answer is 409.
"""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import or_, select

from scrm.auth import current_staff, require
from scrm.campaigns.models import CampaignSender, MassCampaign, Segment
from scrm.campaigns.report import campaign_report, campaign_summary
from scrm.campaigns.results import cancel_campaign, remind_unconfirmed
from scrm.campaigns.segment_store import save_segment
from scrm.campaigns.segments import BANK_WIDE_ROLES, preview_segment, subtree_of
from scrm.campaigns.sending import create_campaign, send_campaign
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.payloads import json_object, object_list, text_field, text_list, whole_number
from scrm.wecom.errors import WeComError

bp = Blueprint("campaigns_api", __name__, url_prefix="/api/campaigns")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/segments", list_segments),
        ("POST", "/segments", save_segment_view),
        ("POST", "/segments/preview", preview),
        ("GET", "", list_campaigns),
        ("POST", "", create),
        ("GET", "/<int:campaign_id>", show),
        ("POST", "/<int:campaign_id>/send", send),
        ("POST", "/<int:campaign_id>/remind", remind),
        ("POST", "/<int:campaign_id>/cancel", cancel),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


def _visible_campaigns(staff: Staff):
    query = select(MassCampaign)
    if staff.role_names & BANK_WIDE_ROLES:
        return query
    if "branch_lead" in staff.role_names and staff.department_id is not None:
        department_ids = subtree_of(staff.department_id)
        userids = select(Staff.userid).where(Staff.department_id.in_(department_ids))
    else:
        userids = select(Staff.userid).where(Staff.id == staff.id)
    sent_there = select(CampaignSender.campaign_id).where(CampaignSender.staff_userid.in_(userids))
    return query.where(or_(MassCampaign.created_by.in_(userids), MassCampaign.id.in_(sent_there)))


def _campaign(campaign_id: int) -> MassCampaign:
    staff = current_staff()
    campaign = db.session.scalar(_visible_campaigns(staff).where(MassCampaign.id == campaign_id))
    if campaign is None:
        raise ScrmError(
            f"no campaign #{campaign_id} in your scope; see GET /api/campaigns", status_code=404
        )
    return campaign


def _own_part_only(staff: Staff) -> str | None:
    if staff.role_names & (BANK_WIDE_ROLES | {"branch_lead"}):
        return None
    return staff.userid


@require("campaigns.read")
def list_segments():
    """Saved segments (the filters are not secret; previews are scoped)."""
    rows = db.session.scalars(select(Segment).order_by(Segment.name))
    return {
        "segments": [
            {"id": s.id, "name": s.name, "owner": s.owner_userid, "filters": s.filters}
            for s in rows
        ]
    }


@require("campaigns.send")
def save_segment_view():
    """Save (or revise) a segment: ``{"name": …, "filters": {…}}``; answers its preview."""
    body = json_object()
    staff = current_staff()
    segment, found = save_segment(
        body.get("name"), body.get("filters"), staff.userid, scope_staff=staff
    )
    return {"segment": {"id": segment.id, "name": segment.name}, "preview": _preview(found)}, 201


@require("campaigns.read")
def preview():
    """Preview ``{"filters": {…}}`` or ``{"segment_id": n}`` in the caller's scope."""
    body = json_object()
    filters = body.get("filters")
    if (segment_id := whole_number(body, "segment_id", minimum=1)) is not None:
        segment = db.session.get(Segment, segment_id)
        if segment is None:
            raise ScrmError(f"no segment #{segment_id}", status_code=404)
        filters = segment.filters
    return _preview(preview_segment(filters, scope_staff=current_staff()))


def _preview(found) -> dict:
    return {"total": found.total, "per_rm": found.per_rm, "excluded": found.excluded}


@require("campaigns.read")
def list_campaigns():
    """The campaigns in the caller's scope, newest first."""
    rows = db.session.scalars(
        _visible_campaigns(current_staff()).order_by(MassCampaign.id.desc()).limit(200)
    )
    return {"campaigns": [campaign_summary(c) for c in rows]}


@require("campaigns.send")
def create():
    """Create a draft: ``{"name", "text", "attachments", "segment_id" | "chat_ids"}``."""
    body = json_object()
    segment = None
    if (segment_id := whole_number(body, "segment_id", minimum=1)) is not None:
        segment = db.session.get(Segment, segment_id)
        if segment is None:
            raise ScrmError(f"no segment #{segment_id}", status_code=404)
    campaign = create_campaign(
        name=body.get("name"),
        created_by=current_staff().userid,
        text=text_field(body, "text"),
        attachments=object_list(body, "attachments"),
        segment=segment,
        chat_ids=text_list(body, "chat_ids"),
    )
    return {"campaign": campaign_summary(campaign)}, 201


@require("campaigns.read")
def show(campaign_id: int):
    """The campaign's report (an RM sees only their own part of it)."""
    staff = current_staff()
    campaign = _campaign(campaign_id)
    return campaign_report(campaign, only_rm=_own_part_only(staff))


@require("campaigns.send")
def send(campaign_id: int):
    """Exclude and submit the caller's reachable recipients through the compliance gate."""
    campaign = _campaign(campaign_id)
    reason = json_object(optional=True).get("confirm_reason")
    try:
        send_campaign(campaign, now=utcnow(), confirm_reason=reason, scope_staff=current_staff())
    except WeComError as exc:
        raise ScrmError(
            f"WeCom did not answer ({exc.errcode}); try again", status_code=503
        ) from None
    # commit in steps: a send the gate blocked answers 409, yet the block is kept on record
    db.session.commit()
    status = 200 if campaign.status == "sending" else 409
    return {"campaign": campaign_summary(campaign)}, status


@require("campaigns.send")
def remind(campaign_id: int):
    """Ask WeCom to remind the RMs who have not confirmed (3 per 24 hours)."""
    campaign = _campaign(campaign_id)
    outcome = remind_unconfirmed(campaign, utcnow())
    return {"reminded": outcome}


@require("campaigns.send")
def cancel(campaign_id: int):
    """Cancel in WeCom: what was sent stays sent; unconfirmed parts are cancelled."""
    campaign = _campaign(campaign_id)
    try:
        cancel_campaign(campaign, utcnow(), by=current_staff().userid)
    except WeComError as exc:
        raise ScrmError(
            f"WeCom did not answer ({exc.errcode}); try again", status_code=503
        ) from None
    return {"campaign": campaign_summary(campaign)}


_rules()
