"""The acquisition JSON API under ``/api/acquisition/``: the URL table and thin handlers.

Reads need ``acquisition.read`` and are scoped: an RM sees the channels that add them, their
own tasks (with the plain numbers, which they must type into WeCom) and their own figures; a
branch lead the RMs of their department and below (numbers masked); HQ ops and admins
everything (masked). Writes need ``acquisition.manage``. Handlers never commit: the request
commits once it answered (:mod:`scrm.db`).
"""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select

from scrm.acquisition import bulk_add, channels, reports
from scrm.acquisition.imports import check_file
from scrm.acquisition.models import AcquisitionChannel, AddTask
from scrm.auth import BANK_WIDE_ROLES, current_staff, require
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.errors import ScrmError
from scrm.payloads import object_list, text_field, text_list, whole_number
from scrm.wecom.errors import WeComError

bp = Blueprint("acquisition_api", __name__, url_prefix="/api/acquisition")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/channels", list_channels),
        ("POST", "/channels", create_channel),
        ("POST", "/channels/<int:channel_id>/archive", archive_channel),
        ("GET", "/tasks", list_tasks),
        ("POST", "/imports", import_file),
        ("GET", "/report", show_report),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


def _scope(staff: Staff) -> set[int] | None:
    """The staff ids whose acquisition data ``staff`` sees; ``None`` for everyone."""
    roles = staff.role_names
    if roles & BANK_WIDE_ROLES:
        return None
    ids = {staff.id} if "rm" in roles else set()
    if "branch_lead" in roles and staff.department_id is not None:
        parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
        subtree = department_subtree(parents, staff.department_id)
        ids |= set(db.session.scalars(select(Staff.id).where(Staff.department_id.in_(subtree))))
    return ids


def _channel_json(c: AcquisitionChannel) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind,
        "state": c.state,
        "status": c.status,
        "rms": c.userids,
        "welcome_text": c.welcome_text,
        "tag_ids": c.tag_ids,
        "group_chat_id": c.group_chat_id,
        "qr_code": c.qr_code,
        "created_by": c.created_by,
    }


@require("acquisition.read")
def list_channels():
    """Channels in scope (``?all=1`` with archived ones), with their adds."""
    staff = current_staff()
    scope = _scope(staff)
    userids = (
        None
        if scope is None
        else set(db.session.scalars(select(Staff.userid).where(Staff.id.in_(scope))))
    )
    figures = {e["state"]: e for e in reports.channel_report()}
    rows = []
    for channel in channels.list_channels(include_archived=request.args.get("all") == "1"):
        if userids is not None and not userids & set(channel.userids):
            continue
        entry = figures.get(channel.state, {"adds": 0, "welcome": {}})
        rows.append(_channel_json(channel) | {"adds": entry["adds"], "welcome": entry["welcome"]})
    return {"channels": rows}


@require("acquisition.manage")
def create_channel():
    """Create a channel and its WeCom QR code: ``{name, kind, userids | department_id,
    welcome_text, welcome_attachments, confirm_reason, tag_ids, group_chat_id, skip_verify}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise ScrmError("send a JSON object: name, kind, and userids or department_id")
    try:
        channel = channels.create_channel(
            name=str(body.get("name") or ""),
            kind=str(body.get("kind") or ""),
            created_by=current_staff().userid,
            userids=text_list(body, "userids"),
            department_id=whole_number(body, "department_id", minimum=1),
            welcome_text=text_field(body, "welcome_text"),
            welcome_attachments=object_list(body, "welcome_attachments"),
            confirm_reason=text_field(body, "confirm_reason"),
            tag_ids=text_list(body, "tag_ids"),
            group_chat_id=text_field(body, "group_chat_id"),
            skip_verify=bool(body.get("skip_verify", True)),
        )
    except WeComError as exc:
        raise ScrmError(f"WeCom refused the code: {exc}", status_code=502) from None
    return _channel_json(channel), 201


@require("acquisition.manage")
def archive_channel(channel_id: int):
    """Archive a channel: its QR code is deleted in WeCom."""
    channel = db.session.get(AcquisitionChannel, channel_id)
    if channel is None:
        raise ScrmError(
            f"no channel {channel_id}; see GET /api/acquisition/channels", status_code=404
        )
    try:
        channels.archive_channel(channel)
    except WeComError as exc:
        raise ScrmError(f"WeCom refused: {exc}", status_code=502) from None
    return _channel_json(channel)


@require("acquisition.read")
def list_tasks():
    """Bulk-add tasks in scope (``?status=pending|added|all``, ``?rm=userid``). An RM's own
    tasks carry the plain number; everyone else sees it masked."""
    staff = current_staff()
    scope = _scope(staff)
    status = request.args.get("status", "pending")
    query = select(AddTask).join(Staff, Staff.id == AddTask.staff_id).order_by(AddTask.id)
    if status != "all":
        query = query.where(AddTask.status == status)
    if scope is not None:
        query = query.where(AddTask.staff_id.in_(scope or [-1]))
    if rm := request.args.get("rm"):
        query = query.where(Staff.userid == rm)
    tasks = [
        bulk_add.task_json(task, reveal=task.staff_id == staff.id)
        for task in db.session.scalars(query.limit(1000))
    ]
    return {"tasks": tasks}


@require("acquisition.manage")
def import_file():
    """Import a bulk-add file (multipart ``file``; ``skip_bad_rows=1`` to keep good rows of a
    file with errors). Problems come back per line, with the fix."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ScrmError("send the CSV or XLSX file as multipart field 'file'")
    checked = check_file(upload.filename, upload.read())
    try:
        batch = bulk_add.import_tasks(
            checked,
            filename=upload.filename,
            imported_by=current_staff().userid,
            skip_bad_rows=request.form.get("skip_bad_rows") == "1",
        )
    except bulk_add.ImportRefused as exc:
        # The envelope plus every problem line, which the one error handler does not carry.
        problems = [{"line": line, "problem": p} for line, p in checked.problems]
        return {"error": {"status": 400, "message": exc.message}, "problems": problems}, 400
    return {
        "import_id": batch.id,
        "rows": batch.rows_total,
        "imported": batch.rows_imported,
        "skipped": batch.rows_skipped,
        "problems": [{"line": line, "problem": p} for line, p in checked.problems],
    }, 201


@require("acquisition.read")
def show_report():
    """Bulk-add conversion by ``?level=rm|branch`` in scope, or ``?level=channel``."""
    level = request.args.get("level", "rm")
    if level == "channel":
        return {"level": level, "rows": reports.channel_report()}
    if level not in reports.LEVELS:
        raise ScrmError("level must be rm, branch or channel")
    return {
        "level": level,
        "rows": reports.conversion_report(level, staff_ids=_scope(current_staff())),
    }


_rules()
