"""``flask --app app scrm campaigns …``: segments (客户分群) and mass messages (客户群发)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits

campaigns_cli = AppGroup(
    "campaigns", help="Segments and mass messages: preview, create, send, status, remind, cancel."
)


def _filters(value: str | None) -> dict:
    if not value:
        return {}
    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"not JSON ({exc.msg}); give a JSON object or a .json file"
        ) from None


def _campaign(campaign_id: int):
    from scrm.campaigns.models import MassCampaign
    from scrm.db import db

    campaign = db.session.get(MassCampaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign #{campaign_id}; see `scrm campaigns list`")
    return campaign


def _fail(exc: Exception) -> None:
    raise click.ClickException(getattr(exc, "message", str(exc)))


@campaigns_cli.command("segment-save")
@click.argument("name")
@click.option("--filters", "filters_json", required=True, help="JSON object or a .json file")
@click.option("--owner", required=True, help="the userid of whoever maintains the segment")
@with_appcontext
@commits
def segment_save_command(name, filters_json, owner) -> None:
    """Save segment NAME (replacing its filters when it exists) and show its preview."""
    from scrm.campaigns.filters import SegmentError
    from scrm.campaigns.segment_store import save_segment

    try:
        segment, preview = save_segment(name, _filters(filters_json), owner)
    except SegmentError as exc:
        _fail(exc)
    click.echo(f"segment #{segment.id} {segment.name}: {preview.total} customers")
    _echo_preview(preview)


@campaigns_cli.command("segment-preview")
@click.option("--segment", "segment_name", help="a saved segment's name")
@click.option("--filters", "filters_json", help="JSON object or a .json file")
@with_appcontext
def segment_preview_command(segment_name, filters_json) -> None:
    """Count a segment: total, per RM (one RM per customer: the earliest follow), excluded."""
    from sqlalchemy import select

    from scrm.campaigns.models import Segment
    from scrm.campaigns.segments import SegmentError, preview_segment
    from scrm.db import db

    if bool(segment_name) == bool(filters_json):
        raise click.UsageError("give --segment NAME or --filters JSON")
    filters = _filters(filters_json)
    if segment_name:
        segment = db.session.scalar(select(Segment).where(Segment.name == segment_name))
        if segment is None:
            raise click.ClickException(f"no segment {segment_name!r}; save it with segment-save")
        filters = segment.filters
    try:
        preview = preview_segment(filters)
    except SegmentError as exc:
        _fail(exc)
    click.echo(f"{preview.total} customers")
    _echo_preview(preview)


def _echo_preview(preview) -> None:
    for userid, count in preview.per_rm.items():
        click.echo(f"  {userid}: {count}")
    for step in preview.excluded:
        click.echo(f"  excluded by {step['filter']}: {step['customers']}")


@campaigns_cli.command("create")
@click.option("--name", required=True)
@click.option("--by", "created_by", required=True, help="your userid (recorded as the author)")
@click.option("--text", help="the message (up to 4,000 bytes)")
@click.option("--image", "images", multiple=True, help="an image media_id (up to 9 attachments)")
@click.option("--segment", "segment_name", help="1v1 to a saved segment")
@click.option("--chat-id", "chat_ids", multiple=True, help="to these customer groups")
@with_appcontext
@commits
def create_command(name, created_by, text, images, segment_name, chat_ids) -> None:
    """Create a draft campaign to a segment or to customer groups."""
    from sqlalchemy import select

    from scrm.campaigns.models import Segment
    from scrm.campaigns.sending import CampaignError, create_campaign
    from scrm.db import db

    segment = None
    if segment_name:
        segment = db.session.scalar(select(Segment).where(Segment.name == segment_name))
        if segment is None:
            raise click.ClickException(f"no segment {segment_name!r}; save it with segment-save")
    attachments = [{"msgtype": "image", "image": {"media_id": m}} for m in images]
    try:
        campaign = create_campaign(
            name=name,
            created_by=created_by,
            text=text,
            attachments=attachments,
            segment=segment,
            chat_ids=chat_ids,
        )
    except CampaignError as exc:
        _fail(exc)
    click.echo(f"campaign #{campaign.id} created ({campaign.chat_type}); send it with `send`")


@campaigns_cli.command("send")
@click.argument("campaign_id", type=int)
@click.option("--confirm-reason", help="why a warned wording may go anyway")
@with_appcontext
@commits
def send_command(campaign_id, confirm_reason) -> None:
    """Exclude, check through the compliance gate, and queue each RM's part (safe to rerun)."""
    from scrm.campaigns.sending import CampaignError, send_campaign
    from scrm.db import db, utcnow
    from scrm.wecom.errors import WeComError

    campaign = _campaign(campaign_id)
    try:
        send_campaign(campaign, now=utcnow(), confirm_reason=confirm_reason)
    except (CampaignError, WeComError) as exc:
        _fail(exc)
    db.session.commit()  # commit in steps: a blocked send exits 1, yet the block is kept
    click.echo(
        f"campaign #{campaign.id}: {campaign.status}"
        + (f" — {campaign.note}" if campaign.note else "")
    )
    if campaign.status in ("blocked", "awaiting_confirmation"):
        raise SystemExit(1)


@campaigns_cli.command("status")
@click.argument("campaign_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="the whole report as JSON")
@with_appcontext
@commits
def status_command(campaign_id, as_json) -> None:
    """Poll WeCom for the campaign, then report who was reached and who was not, and why."""
    from scrm.campaigns.report import campaign_report
    from scrm.campaigns.results import poll_campaign
    from scrm.db import utcnow
    from scrm.wecom.errors import WeComError

    campaign = _campaign(campaign_id)
    try:
        poll_campaign(campaign, utcnow())
    except WeComError as exc:
        click.echo(f"WeCom did not answer ({exc.errcode}); showing what is known", err=True)
    report = campaign_report(campaign)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"campaign #{campaign.id} {campaign.name}: {campaign.status}")
    click.echo("  totals: " + ", ".join(f"{k} {v}" for k, v in report["totals"].items() if v))
    for userid, part in report["per_rm"].items():
        counts = ", ".join(f"{k} {v}" for k, v in part["counts"].items() if v)
        click.echo(f"  {userid} ({part['sender_status']}): {counts}")
    for entry in report["unreachable"]:
        click.echo(
            f"    {entry['rm']} → {entry['name'] or entry['target']}: {entry['reason_text']}"
        )


@campaigns_cli.command("remind")
@click.argument("campaign_id", type=int)
@with_appcontext
@commits
def remind_command(campaign_id) -> None:
    """Ask WeCom to remind the RMs who have not confirmed (3 per 24 hours at most)."""
    from scrm.campaigns.results import CampaignStateError, remind_unconfirmed
    from scrm.db import utcnow
    from scrm.wecom.errors import WeComError

    try:
        outcome = remind_unconfirmed(_campaign(campaign_id), utcnow())
    except (CampaignStateError, WeComError) as exc:
        _fail(exc)
    for userid, what in outcome.items():
        click.echo(f"{userid}: {what}")
    if not outcome:
        click.echo("every RM has confirmed; nobody to remind")


@campaigns_cli.command("cancel")
@click.argument("campaign_id", type=int)
@click.option("--by", required=True, help="your userid")
@with_appcontext
@commits
def cancel_command(campaign_id, by) -> None:
    """Cancel the campaign in WeCom: unconfirmed parts never go; what was sent stays sent."""
    from scrm.campaigns.results import CampaignStateError, cancel_campaign
    from scrm.db import utcnow
    from scrm.wecom.errors import WeComError

    try:
        campaign = cancel_campaign(_campaign(campaign_id), utcnow(), by=by)
    except (CampaignStateError, WeComError) as exc:
        _fail(exc)
    click.echo(f"campaign #{campaign.id} cancelled")


@campaigns_cli.command("list")
@with_appcontext
def list_command() -> None:
    """Every campaign, newest first."""
    from sqlalchemy import select

    from scrm.campaigns.models import MassCampaign
    from scrm.db import db

    for c in db.session.scalars(select(MassCampaign).order_by(MassCampaign.id.desc())):
        click.echo(f"#{c.id} {c.status:<22} {c.chat_type:<6} {c.name} (by {c.created_by})")
