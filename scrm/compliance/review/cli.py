"""``flask --app app scrm review list|claim|verdict|bulk-false-positive|sla|cover``: the
review queue from a terminal. Commands that act name the officer with ``--as USERID``."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from scrm.compliance.review import services as flow
from scrm.compliance.review.bulk import mark_false_positives
from scrm.compliance.review.cases import get_review_case
from scrm.compliance.review.models import STATUSES, VERDICTS
from scrm.compliance.review.queue import QueueFilter, cover_branches, list_review_cases
from scrm.compliance.review.sla import age_of, sla_summary
from scrm.db import commits, db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError

review_cli = AppGroup("review", help="Work the compliance review queue (合规复核).")
_as = click.option("--as", "userid", required=True, help="The compliance officer's userid.")


def _officer(userid: str) -> Staff:
    staff = db.session.scalar(select(Staff).where(Staff.userid == userid))
    if staff is None:
        raise ScrmError(f'no member of staff "{userid}"; run `scrm sync` or check the userid')
    return staff


def _run(action) -> None:
    try:
        commits(action)()
    except ScrmError as error:
        click.echo(f"ERROR: {error.message}", err=True)
        raise SystemExit(1) from None


@review_cli.command("list")
@click.option("--status", type=click.Choice(STATUSES), multiple=True)
@click.option("--after", type=int, help="Show cases after this id (the next page).")
@click.option("--limit", type=int, default=50, show_default=True)
@with_appcontext
def list_command(status: tuple[str, ...], after: int | None, limit: int) -> None:
    """Cases oldest first: id, status, action, age, branch, categories, assignee."""
    now = utcnow()

    def show() -> None:
        rows, more = list_review_cases(QueueFilter(statuses=status, after=after, limit=limit), now)
        for case, message in rows:
            age = age_of(case, now)
            holder = db.session.get(Staff, case.assignee_id) if case.assignee_id else None
            click.echo(
                f"{case.id}\t{case.status}\t{case.highest_action}\t{age['age_hours']}h"
                f"{' OVERDUE' if age['overdue'] else ''}\t{message.sender}\t"
                f"{','.join(case.categories)}\t{holder.userid if holder else '-'}"
            )
        if more:
            click.echo(f"more: --after {more}")

    _run(show)


@review_cli.command("claim")
@click.argument("case_id", type=int)
@_as
@with_appcontext
def claim_command(case_id: int, userid: str) -> None:
    """Claim an open case."""
    _run(lambda: flow.claim_review_case(get_review_case(case_id), _officer(userid)))
    click.echo(f"case {case_id} claimed by {userid}")


@review_cli.command("verdict")
@click.argument("case_id", type=int)
@click.argument("verdict", type=click.Choice(VERDICTS))
@click.option("--note", help="Why; required for a violation.")
@_as
@with_appcontext
def verdict_command(case_id: int, verdict: str, note: str | None, userid: str) -> None:
    """Give a verdict on an open case or one you hold."""
    _run(lambda: flow.record_verdict(get_review_case(case_id), _officer(userid), verdict, note))
    click.echo(f"case {case_id}: {verdict}")


@review_cli.command("bulk-false-positive")
@click.argument("case_ids", type=int, nargs=-1, required=True)
@click.option("--note", required=True, help="Why these are harmless.")
@click.option("--request-key", required=True, help="A fresh key; rerun with the same key.")
@_as
@with_appcontext
def bulk_command(case_ids: tuple[int, ...], note: str, request_key: str, userid: str) -> None:
    """Mark many open cases (or ones you hold) false_positive with one note."""
    outcome: dict = {}
    _run(
        lambda: outcome.update(mark_false_positives(_officer(userid), case_ids, note, request_key))
    )
    for row in outcome["results"]:
        click.echo(f"{row['case_id']}\t{row['result']}\t{row['reason'] or ''}")
    replayed = " (replayed: this key was used before)" if outcome["replayed"] else ""
    click.echo(f"{outcome['marked']} marked{replayed}")


@review_cli.command("sla")
@with_appcontext
def sla_command() -> None:
    """Waiting cases per age bucket, and how many are overdue, as JSON."""
    _run(lambda: click.echo(json.dumps(sla_summary(utcnow()), ensure_ascii=False)))


@review_cli.command("cover")
@click.argument("userid")
@click.argument("branch_ids", type=int, nargs=-1)
@with_appcontext
def cover_command(userid: str, branch_ids: tuple[int, ...]) -> None:
    """Set the branches (level-2 department ids) an officer covers; none clears them."""
    _run(lambda: cover_branches(_officer(userid), branch_ids))
    shown = ", ".join(map(str, sorted(set(branch_ids)))) or "none"
    click.echo(f"{userid} covers branches: {shown}")
