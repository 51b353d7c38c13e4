"""``flask scrm moments engagement`` and ``flask scrm moments follow-ups``: the daily review
of the most-interacted posts per branch, and the RMs' open 1v1 follow-ups."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from scrm.db import db
from scrm.directory.models import Staff
from scrm.moments.models import FOLLOW_UP_OPEN, MomentFollowUp


@click.command("engagement")
@click.option("--day", help="The local day to review, YYYY-MM-DD (default: today).")
@click.option("--branch", "branch_id", type=int, help="Only this branch (department id).")
@click.option("--limit", type=int, default=10, show_default=True, help="Posts per branch.")
def engagement_command(day: str | None, branch_id: int | None, limit: int) -> None:
    """List the posts with the most likes and comments on a day, per branch."""
    from scrm.moments.engagement import daily_review

    try:
        review_day = date.fromisoformat(day) if day else _today()
        rows = daily_review(review_day, branch_id=branch_id, limit=limit)
    except ValueError as exc:
        hint = "pass --day as YYYY-MM-DD and --limit of 1 or more"
        raise click.UsageError(f"{exc}; {hint}") from None
    if not rows:
        click.echo(f"no likes or comments on moments posts on {review_day.isoformat()}")
    for row in rows:
        click.echo(
            f"{row['branch']}\tpost {row['post_id']} ({row['day']} slot {row['slot']})\t"
            f"{row['interactions']} interactions: {row['likes']} likes, "
            f"{row['comments']} comments"
        )


@click.command("follow-ups")
@click.option("--rm", "userid", help="Only this RM's follow-ups (WeCom userid).")
def follow_ups_command(userid: str | None) -> None:
    """List the open 1v1 follow-ups: customers who commented and are not contacted yet."""
    query = (
        select(MomentFollowUp, Staff)
        .join(Staff, Staff.id == MomentFollowUp.staff_id)
        .where(MomentFollowUp.status == FOLLOW_UP_OPEN)
        .order_by(Staff.userid, MomentFollowUp.created_at)
    )
    if userid:
        if db.session.scalar(select(Staff.id).where(Staff.userid == userid)) is None:
            raise click.UsageError(f"no staff member {userid!r}; run the directory sync first")
        query = query.where(Staff.userid == userid)
    rows = db.session.execute(query).all()
    if not rows:
        click.echo("no open follow-ups")
    for follow_up, staff in rows:
        click.echo(
            f"{staff.userid} {staff.name}\t{follow_up.external_userid}\t"
            f"commented on {follow_up.moment_id} at {follow_up.created_at:%Y-%m-%d %H:%M} UTC"
        )


def _today() -> date:
    from zoneinfo import ZoneInfo

    from flask import current_app

    return datetime.now(ZoneInfo(current_app.config["SCRM_TIMEZONE"])).date()


def register(moments: AppGroup) -> None:
    """Add ``engagement`` and ``follow-ups`` to the ``moments`` command group."""
    moments.add_command(engagement_command)
    moments.add_command(follow_ups_command)
