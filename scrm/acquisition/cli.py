"""``flask --app app scrm acquisition …``: channel QR codes, bulk-add imports, reports."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from scrm.db import commits

acquisition_cli = AppGroup(
    "acquisition", help="Customer acquisition: channel QR codes (渠道活码), bulk add (批量加好友)."
)


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc)) from None


@acquisition_cli.command("channel-create")
@click.option("--name", required=True, help="e.g. 春季理财节·陆家嘴")
@click.option("--kind", type=click.Choice(["rm", "branch", "campaign"]), required=True)
@click.option("--userid", "userids", multiple=True, help="an RM the code adds (repeat)")
@click.option("--department", "department_id", type=int, help="or: every RM of this department")
@click.option("--welcome", "welcome_text", help="welcome text; {客户称呼} {客户经理} {支行}")
@click.option("--link", "links", multiple=True, help="a link attachment: URL|title")
@click.option("--tag", "tag_ids", multiple=True, help="a corp tag id to put on new customers")
@click.option("--group", "group_chat_id", help="a customer group (chat id) to invite them to")
@click.option("--verify/--skip-verify", "verify", default=False, help="RM confirms each add")
@click.option("--state", help="WeCom state (≤30 characters); default ch-<id>-<kind>")
@click.option("--confirm-reason", help="why a warned welcome text may go anyway")
@click.option("--by", "created_by", required=True, help="the owner's userid (told of problems)")
@with_appcontext
@commits
def channel_create_command(
    name, kind, userids, department_id, welcome_text, links, tag_ids, group_chat_id, verify,
    state, confirm_reason, created_by,
) -> None:  # fmt: skip
    """Create a channel and its QR code in WeCom."""
    from scrm.acquisition.channels import ChannelError, create_channel
    from scrm.wecom.errors import WeComError

    attachments = []
    for link in links:
        url, _, title = link.partition("|")
        attachments.append({"msgtype": "link", "link": {"url": url, "title": title or url}})
    try:
        channel = create_channel(
            name=name,
            kind=kind,
            created_by=created_by,
            userids=userids,
            department_id=department_id,
            welcome_text=welcome_text,
            welcome_attachments=attachments,
            confirm_reason=confirm_reason,
            tag_ids=tag_ids,
            group_chat_id=group_chat_id,
            skip_verify=not verify,
            state=state,
        )
    except (ChannelError, WeComError, ValueError) as exc:
        _fail(exc)
    click.echo(f"channel #{channel.id} {channel.state}: {len(channel.userids)} RMs")
    click.echo(f"QR code: {channel.qr_code}")


@acquisition_cli.command("channel-list")
@click.option("--all", "everything", is_flag=True, help="archived channels too")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@commits
def channel_list_command(everything: bool, as_json: bool) -> None:
    """List channels with their adds and welcome outcomes."""
    from scrm.acquisition.channels import list_channels
    from scrm.acquisition.reports import channel_report
    from scrm.acquisition.welcome import settle_welcome_statuses

    settle_welcome_statuses()
    figures = {e["state"]: e for e in channel_report()}
    rows = []
    for channel in list_channels(include_archived=everything):
        entry = figures.pop(channel.state, {"adds": 0, "welcome": {}})
        rows.append(
            {
                "id": channel.id,
                "name": channel.name,
                "kind": channel.kind,
                "state": channel.state,
                "status": channel.status,
                "rms": channel.userids,
                "adds": entry["adds"],
                "welcome": entry["welcome"],
                "qr_code": channel.qr_code,
            }
        )
    unknown = [e for e in figures.values() if e["channel_id"] is None]
    if as_json:
        click.echo(json.dumps({"channels": rows, "unknown": unknown}, ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"#{r['id']} {r['state']} {r['kind']} {r['status']} {r['name']}  "
            f"adds {r['adds']}  welcome {r['welcome']}  RMs {','.join(r['rms'])}"
        )
    for e in unknown:
        click.echo(f"unknown channel state {e['state']!r}: adds {e['adds']}")
    if not rows and not unknown:
        click.echo("no channels yet; `scrm acquisition channel-create` makes one")


@acquisition_cli.command("channel-edit")
@click.argument("channel")
@click.option("--name")
@click.option("--userid", "userids", multiple=True, help="the RMs, replacing the current ones")
@click.option("--welcome", "welcome_text", help='new welcome text ("" for the default)')
@click.option("--confirm-reason", help="why a warned welcome text may go anyway")
@click.option("--tag", "tag_ids", multiple=True, help="the corp tags, replacing the current ones")
@click.option("--verify/--skip-verify", "verify", default=None, help="RM confirms each add")
@with_appcontext
@commits
def channel_edit_command(channel, name, userids, welcome_text, confirm_reason, tag_ids, verify):
    """Change CHANNEL (id or state); its RMs and skip-verify are changed in WeCom too."""
    from scrm.acquisition.channels import ChannelError, get_channel, update_channel
    from scrm.wecom.errors import WeComError

    try:
        row = update_channel(
            get_channel(channel),
            name=name,
            userids=list(userids) or None,
            welcome_text=welcome_text,
            confirm_reason=confirm_reason,
            tag_ids=list(tag_ids) or None,
            skip_verify=None if verify is None else not verify,
        )
    except (ChannelError, WeComError) as exc:
        _fail(exc)
    click.echo(f"channel #{row.id} {row.state}: saved, {len(row.userids)} RMs")


@acquisition_cli.command("channel-archive")
@click.argument("channel")
@with_appcontext
@commits
def channel_archive_command(channel: str) -> None:
    """Archive CHANNEL (id or state): its QR code is deleted in WeCom and stops working."""
    from scrm.acquisition.channels import ChannelError, archive_channel, get_channel
    from scrm.wecom.errors import WeComError

    try:
        row = archive_channel(get_channel(channel))
    except (ChannelError, WeComError) as exc:
        _fail(exc)
    click.echo(f"channel #{row.id} {row.state}: archived")


@acquisition_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "imported_by", required=True, help="who imports (userid)")
@click.option("--skip-bad-rows", is_flag=True, help="import the good rows of a file with errors")
@with_appcontext
@commits
def import_command(path: Path, imported_by: str, skip_bad_rows: bool) -> None:
    """Import a bulk-add file (CSV or XLSX: 手机号, 姓名, 客户号, 客户经理)."""
    from scrm.acquisition.bulk_add import ImportRefused, import_tasks
    from scrm.acquisition.imports import ImportFileError, check_file

    try:
        checked = check_file(path.name, path.read_bytes())
        for line, problem in checked.problems:
            click.echo(f"{path.name} line {line}: {problem}", err=True)
        batch = import_tasks(
            checked, filename=path.name, imported_by=imported_by, skip_bad_rows=skip_bad_rows
        )
    except (ImportFileError, ImportRefused) as exc:
        _fail(exc)
    click.echo(
        f"import #{batch.id}: {batch.rows_imported} tasks from {batch.rows_total} rows, "
        f"{batch.rows_skipped} skipped"
    )


@acquisition_cli.command("tasks")
@click.option("--rm", "userid", help="one RM's tasks (masked numbers)")
@click.option("--status", type=click.Choice(["pending", "added", "all"]), default="pending")
@with_appcontext
def tasks_command(userid: str | None, status: str) -> None:
    """List bulk-add tasks; numbers are masked (the RM sees theirs in the sidebar)."""
    from sqlalchemy import select

    from scrm.acquisition.bulk_add import task_json
    from scrm.acquisition.models import AddTask
    from scrm.db import db
    from scrm.directory.models import Staff

    query = select(AddTask).join(Staff, Staff.id == AddTask.staff_id).order_by(AddTask.id)
    if userid:
        query = query.where(Staff.userid == userid)
    if status != "all":
        query = query.where(AddTask.status == status)
    tasks = [task_json(t) for t in db.session.scalars(query)]
    for t in tasks:
        click.echo(
            f"#{t['id']} {t['rm']} {t['mobile']} {t['name']} {t['cif_no'] or ''} "
            f"{t['status']} {t['completed_by'] or ''}".rstrip()
        )
    click.echo(f"{len(tasks)} tasks")


@acquisition_cli.command("report")
@click.option("--level", type=click.Choice(["rm", "branch", "channel"]), default="rm")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def report_command(level: str, as_json: bool) -> None:
    """Bulk-add conversion per RM or branch (imported, added, pending, rate), or channel adds."""
    from scrm.acquisition.reports import channel_report, conversion_report

    rows = channel_report() if level == "channel" else conversion_report(level)
    if as_json:
        click.echo(json.dumps({"level": level, "rows": rows}, ensure_ascii=False))
        return
    for r in rows:
        if level == "channel":
            click.echo(f"{r['state']} {r['name']}: adds {r['adds']} welcome {r['welcome']}")
        else:
            who = r.get("rm") or r.get("branch")
            click.echo(
                f"{who}: imported {r['imported']} added {r['added']} pending {r['pending']} "
                f"rate {r['rate']:.1%}"
            )
    if not rows:
        click.echo("nothing to report yet")
