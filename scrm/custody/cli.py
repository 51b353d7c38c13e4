"""``flask --app app scrm custody …``: on-job handovers (在职转接), inheritance from RMs who
left (离职继承), their status, and polling WeCom for results."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from scrm.db import commits

custody_cli = AppGroup("custody", help="Hand customers and groups between RMs; follow results.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _staff(userid: str):
    from scrm.db import db
    from scrm.directory.models import Staff

    staff = db.session.scalar(select(Staff).where(Staff.userid == userid))
    if staff is None:
        _fail(f"no member of staff {userid!r}; run `scrm sync` or check the userid")
    return staff


def _print_report(handover) -> None:
    from scrm.custody.results import report

    data = report(handover)
    click.echo(
        f"handover {data['id']} ({data['kind']}, {data['status']}): "
        f"{data['handover_userid']} → {data['takeover_userid'] or '(takeover not chosen)'}"
    )
    for row in data["customers"]:
        why = f" — {row['reason']}" if row["reason"] and row["outcome"] == "failed" else ""
        click.echo(f"  customer {row['external_userid']} {row['name']}: {row['outcome']}{why}")
    for row in data["groups"]:
        why = f" — {row['reason']}" if row["reason"] else ""
        click.echo(f"  group {row['chat_id']} {row['name']}: {row['outcome']}{why}")
    click.echo("  " + json.dumps(data["counts"]))


@custody_cli.command("handover")
@click.option("--from", "giver", required=True, help="the RM's userid")
@click.option("--to", "taker", required=True, help="the takeover RM's userid")
@click.option("--customer", "customers", multiple=True, help="an external_userid (default all)")
@click.option("--groups", is_flag=True, help="also hand over the groups the RM owns")
@click.option("--message", help="what WeCom shows the customer when done (≤200 characters)")
@click.option("--confirm-reason", help="why a warned wording may go anyway")
@click.option("--by", "requested_by", required=True, help="the branch lead's userid")
@click.option("--reason", help="why the customers change hands")
@with_appcontext
@commits
def handover_command(
    giver, taker, customers, groups, message, confirm_reason, requested_by, reason
):
    """Hand an RM's customers (and groups) to another RM (在职转接)."""
    from scrm.custody.handover import HandoverError, create_handover, start_handover
    from scrm.db import db

    try:
        handover = create_handover(
            _staff(giver),
            _staff(taker),
            requested_by=requested_by,
            external_userids=list(customers) or None,
            include_groups=groups,
            success_msg=message,
            confirm_reason=confirm_reason,
            reason=reason,
        )
        db.session.commit()  # commit in steps: the plan first, so `poll` resumes it after a failure
        start_handover(handover)
    except HandoverError as error:
        db.session.commit()  # commit in steps: a refusal keeps the blocked message's archive row
        _fail(str(error))
    _print_report(handover)


@custody_cli.command("inherit")
@click.argument("departed_userid")
@click.option("--to", "taker", help="the takeover RM (default: CUSTODY_INHERIT_TO's choice)")
@click.option("--by", "requested_by", required=True, help="the branch lead's userid")
@with_appcontext
@commits
def inherit_command(departed_userid, taker, requested_by):
    """Give the customers and groups of an RM who left to another RM (离职继承)."""
    from scrm.custody.handover import HandoverError
    from scrm.custody.inheritance import inherit
    from scrm.db import db

    try:
        handover = inherit(departed_userid, taker, requested_by=requested_by)
    except HandoverError as error:
        db.session.commit()  # commit in steps: a refusal keeps the inheritance plan made
        _fail(str(error))
    _print_report(handover)


@custody_cli.command("status")
@click.argument("handover_id", type=int, required=False)
@with_appcontext
def status_command(handover_id):
    """Show one handover's report, or every handover not closed."""
    from scrm.custody.models import CLOSED, Handover
    from scrm.db import db

    if handover_id is not None:
        handover = db.session.get(Handover, handover_id)
        if handover is None:
            _fail(f"no handover {handover_id}; run `scrm custody status` to list them")
        _print_report(handover)
        return
    rows = db.session.scalars(select(Handover).where(Handover.status != CLOSED)).all()
    if not rows:
        click.echo("no open handovers")
    for handover in rows:
        _print_report(handover)


@custody_cli.command("poll")
@with_appcontext
@commits
def poll_command():
    """Follow up open handovers with WeCom now (the worker does it every 30 minutes)."""
    from scrm.custody.jobs import poll_custody

    counts = poll_custody()  # also plans inheritance for members who left without a plan
    click.echo(json.dumps(counts))
