"""``flask --app app scrm moments …``: HQ's central moments (总行统发朋友圈), status, reminders,
cancelling; the daily engagement review and the RMs' open 1v1 follow-ups."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from scrm.db import commits, db
from scrm.directory.models import Staff
from scrm.moments.models import FOLLOW_UP_OPEN, MomentFollowUp

moments_cli = AppGroup(
    "moments", help="Moments: central posts (slots 1 and 2), status, reminders, cancelling."
)


def _target(branch, department_ids, userids, staff_tags, everyone) -> dict:
    given = [
        t
        for t in (
            {"branch": branch} if branch is not None else None,
            {"department_ids": list(department_ids)} if department_ids else None,
            {"userids": list(userids)} if userids else None,
            {"staff_tag_ids": list(staff_tags)} if staff_tags else None,
            {"all": True} if everyone else None,
        )
        if t
    ]
    if len(given) != 1:
        raise click.UsageError(
            "choose the RMs with exactly one of --branch, --department, --userid, --staff-tag "
            "or --all"
        )
    return given[0]


@moments_cli.command("post")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), required=True, help="YYYY-MM-DD")
@click.option("--slot", type=int, required=True, help="1 or 2 (3 is the RM's own post)")
@click.option("--text", help="the post's text (up to 2,000 characters)")
@click.option("--image", "images", multiple=True, help="an image media_id (up to 9)")
@click.option("--link", help="one link URL instead of images")
@click.option("--link-title", default="", help="the link's title")
@click.option("--branch", type=int, help="a branch department id: its RMs publish")
@click.option("--department", "department_ids", type=int, multiple=True)
@click.option("--userid", "userids", multiple=True)
@click.option("--staff-tag", "staff_tags", type=int, multiple=True, help="a 通讯录标签 tagid")
@click.option("--all", "everyone", is_flag=True, help="every RM of the bank")
@click.option("--customer-tag", "customer_tag_ids", multiple=True, help="visible to this tag")
@click.option("--by", "created_by", required=True, help="the HQ operator's userid")
@click.option("--confirm-reason", help="why a warned wording may go anyway")
@with_appcontext
@commits
def post_command(
    day,
    slot,
    text,
    images,
    link,
    link_title,
    branch,
    department_ids,
    userids,
    staff_tags,
    everyone,
    customer_tag_ids,
    created_by,
    confirm_reason,
) -> None:
    """Create the central post for DAY and SLOT and submit it through the compliance gate."""
    from scrm.moments.central import CentralPostError, create_central_post

    attachments = [{"msgtype": "image", "image": {"media_id": m}} for m in images]
    if link:
        attachments.append({"msgtype": "link", "link": {"url": link, "title": link_title}})
    try:
        post = create_central_post(
            day=day.date(),
            slot=slot,
            text=text,
            attachments=attachments,
            target=_target(branch, department_ids, userids, staff_tags, everyone),
            customer_tag_ids=customer_tag_ids,
            created_by=created_by,
            confirm_reason=confirm_reason,
        )
    except CentralPostError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"post #{post.id} {post.day} slot {post.slot}: {post.status}, "
        f"{len(post.sender_userids)} RMs"
    )
    if post.note:
        click.echo(post.note, err=True)


@moments_cli.command("status")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="default: every day")
@with_appcontext
def status_command(day) -> None:
    """List central posts with how many RMs published each."""
    from sqlalchemy import select

    from scrm.db import db
    from scrm.moments.models import MomentPost

    query = select(MomentPost).order_by(MomentPost.day.desc(), MomentPost.slot)
    if day is not None:
        query = query.where(MomentPost.day == day.date())
    posts = list(db.session.scalars(query))
    for post in posts:
        done = sum(1 for p in post.publications if p.published)
        left_out = len(post.invalid_sender_userids or [])
        outside = f"  {left_out} outside the app's visible range" if left_out else ""
        own = f" ({post.created_by}'s own)" if post.slot == 3 else ""
        click.echo(
            f"#{post.id} {post.day} slot {post.slot}{own} {post.status}  "
            f"published {done}/{len(post.publications)}{outside}  {post.note or ''}".rstrip()
        )
    if not posts:
        click.echo("no central posts yet; `scrm moments post` creates one")


@moments_cli.command("remind")
@click.option("--poll/--no-poll", default=True, help="ask WeCom who published first")
@with_appcontext
@commits
def remind_command(poll: bool) -> None:
    """Remind the RMs who have not published the recent central posts (once a day each)."""
    from scrm.db import utcnow
    from scrm.moments.tracking import poll_publications, remind_all_unpublished

    now = utcnow()
    if poll:
        click.echo(f"polled: {poll_publications(now)}")
    reminded = remind_all_unpublished(now)
    click.echo(f"reminders queued: {sum(reminded.values())} ({reminded})")


@moments_cli.command("cancel")
@click.argument("post_id", type=int)
@click.option("--by", "cancelled_by", required=True, help="who cancels it (a userid)")
@with_appcontext
@commits
def cancel_command(post_id: int, cancelled_by: str) -> None:
    """Cancel post POST_ID: withdrawn from the outbox, or stopped in WeCom."""
    from scrm.db import db, utcnow
    from scrm.moments.cancel import CancelError, cancel_post
    from scrm.moments.models import MomentPost

    post = db.session.get(MomentPost, post_id)
    if post is None:
        raise click.ClickException(f"no post #{post_id}; `scrm moments status` lists them")
    try:
        cancel_post(post, by=cancelled_by, now=utcnow())
    except CancelError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"post #{post.id}: {post.status}")


@moments_cli.command("engagement")
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


@moments_cli.command("follow-ups")
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
