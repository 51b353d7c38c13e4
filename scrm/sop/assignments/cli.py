"""``flask --app app scrm sop assign|pause|resume``: run a template on customer groups from the
command line, and pause or resume a group's SOP (暂停 / 恢复). Operators here are trusted: no
scope applies, unlike the JSON API."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from scrm.db import commits


def _group(chat_id: str):
    from sqlalchemy import select

    from scrm.db import db
    from scrm.groups.models import CustomerGroup

    group = db.session.scalars(
        select(CustomerGroup).where(CustomerGroup.chat_id == chat_id)
    ).first()
    if group is None:
        raise click.ClickException(
            f"no customer group with chat id {chat_id}; check the id or run `scrm sync`"
        )
    return group


def _label(group) -> str:
    return f"{group.chat_id}  {group.name}"


@click.command("assign")
@click.argument("name")
@click.option("--version", type=click.IntRange(min=1), help="Template version (default: current).")
@click.option("--branch", type=int, help="Department id: every open group owned below it.")
@click.option("--tag", help="Corp tag: groups where most customers carry it, e.g. 代发.")
@click.option("--name-pattern", help="Group-name glob, * for any text, e.g. 财富沙龙*.")
@click.option("--chat-id", "chat_ids", multiple=True, help="A group's chat id; repeat for more.")
@click.option(
    "--start",
    "start",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Day 1 of the SOP, YYYY-MM-DD.",
)
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="IANA time zone.")
@click.option("--by", "assigned_by", help="WeCom userid of who assigns it, kept on the record.")
@with_appcontext
@commits
def assign_command(
    name, version, branch, tag, name_pattern, chat_ids, start, timezone, assigned_by
) -> None:
    """Run template NAME on the groups picked by exactly one of --branch, --tag, --name-pattern
    or --chat-id. Groups already running that version from that start date are left as they are.
    """
    from scrm.errors import ScrmError
    from scrm.sop.assignments.services import (
        assign_once,
        find_template,
        groups_by_branch,
        groups_by_customer_tag,
        groups_by_ids,
        groups_by_name_pattern,
    )

    picked = [
        flag
        for flag, value in (
            ("--branch", branch is not None),
            ("--tag", tag is not None),
            ("--name-pattern", name_pattern is not None),
            ("--chat-id", bool(chat_ids)),
        )
        if value
    ]
    if len(picked) != 1:
        raise click.UsageError(
            "pick the groups with exactly one of --branch, --tag, --name-pattern or --chat-id"
        )
    start_date: date = start.date()
    try:
        template = find_template(name, version)
        if branch is not None:
            groups = groups_by_branch(branch)
        elif tag is not None:
            groups = groups_by_customer_tag(tag)
        elif name_pattern is not None:
            groups = groups_by_name_pattern(name_pattern)
        else:
            groups = groups_by_ids(chat_ids)
        created, unchanged = assign_once(
            template, groups, start_date, timezone, assigned_by=assigned_by
        )
    except ScrmError as error:  # AssignmentError among them
        raise click.ClickException(error.message) from None
    label = f"{template.name} v{template.version} from {start_date.isoformat()} ({timezone})"
    click.echo(f"assigned {label} to {len(created)} group(s)")
    for assignment in created:
        click.echo(f"  {_label(assignment.group)}")
    if unchanged:
        click.echo(f"already running {label}, left as they were: {len(unchanged)} group(s)")
        for group in unchanged:
            click.echo(f"  {_label(group)}")


@click.command("pause")
@click.argument("chat_id")
@with_appcontext
@commits
def pause_command(chat_id: str) -> None:
    """Pause the SOP of group CHAT_ID; what fell due before now is still created."""
    from scrm.sop.assignments.services import AssignmentError, pause_sop

    group = _group(chat_id)
    try:
        assignment = pause_sop(group)
    except AssignmentError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"paused {assignment.template.name} v{assignment.template.version} in {_label(group)}"
    )


@click.command("resume")
@click.argument("chat_id")
@click.option("--replay", is_flag=True, help="Also create what fell due while it was paused.")
@with_appcontext
@commits
def resume_command(chat_id: str, replay: bool) -> None:
    """Resume the SOP of group CHAT_ID; what fell due while paused is skipped unless --replay."""
    from scrm.sop.assignments.services import AssignmentError, resume_sop

    group = _group(chat_id)
    try:
        assignment = resume_sop(group, replay=replay)
    except AssignmentError as error:
        raise click.ClickException(str(error)) from None
    skipped = "replaying what fell due while paused" if replay else "skipping the paused days"
    click.echo(
        f"resumed {assignment.template.name} v{assignment.template.version} in {_label(group)}, "
        f"{skipped}"
    )
