"""Bulk add (批量加好友): tasks for RMs to add customers by phone, their completion, reminders.

An imported row becomes one task for one RM, unique by the number's sha256 across all tasks.
A task closes exactly once (a guarded UPDATE from ``pending``) when the RM's new follow (an
add without a channel state) carries the number in ``remark_mobiles`` (WeCom fills it when
the RM adds by phone), or when the customer the RM follows is later bound to the task's
客户号. A bank customer with the same mobile hash is recorded on the task
(``matched_bank_customer_id``), never bound: binding identities is the customers domain's
work. Writers flush; the caller commits.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from scrm.acquisition.imports import CheckedFile
from scrm.acquisition.models import TASK_ADDED, TASK_PENDING, AddImport, AddTask
from scrm.acquisition.sealing import (
    mask_mobile,
    mobile_sha256,
    normalise_mobile,
    open_mobile,
    seal_mobile,
)
from scrm.archive.chain.services import find_released
from scrm.compliance.staff_notice import notify_staff
from scrm.customers.identity.models import BankCustomer, CustomerBinding
from scrm.customers.models import FOLLOW_ACTIVE, FOLLOW_HALF, Follow
from scrm.db import db, insert_unless_present, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import reads as api

log = logging.getLogger(__name__)

BY_REMARK_MOBILE = "remark_mobile"
BY_CIF_BINDING = "cif_binding"


class ImportRefused(ScrmError, ValueError):
    """A file with bad rows, imported without ``skip_bad_rows``: nothing was imported."""


def import_tasks(
    checked: CheckedFile, *, filename: str, imported_by: str, skip_bad_rows: bool = False
) -> AddImport:
    """Turn the good rows of a checked file into add tasks (flushes).

    A number imported meanwhile by someone else is skipped (the unique hash decides).

    :raise ImportRefused: the file has bad rows and ``skip_bad_rows`` is off.
    """
    if checked.problems and not skip_bad_rows:
        raise ImportRefused(
            f"{len(checked.problems)} of {checked.total} rows have problems; fix them, or "
            "import the good rows only with --skip-bad-rows (skip_bad_rows)"
        )
    batch = AddImport(filename=filename[:200], imported_by=imported_by, rows_total=checked.total)
    db.session.add(batch)
    db.session.flush()
    hashes = {mobile_sha256(row.mobile): row for row in checked.good}
    bank = (
        dict(
            db.session.execute(
                select(BankCustomer.mobile_sha256, BankCustomer.id).where(
                    BankCustomer.mobile_sha256.in_(list(hashes))
                )
            ).all()
        )
        if hashes
        else {}
    )
    connection = db.session.connection()
    statement = insert_unless_present(
        AddTask.__table__, ["mobile_sha256"], dialect=connection.dialect.name, returning=["id"]
    )
    imported, now = 0, utcnow()
    for digest, row in hashes.items():
        inserted = connection.execute(
            statement,
            {
                "import_id": batch.id,
                "line_no": row.line,
                "staff_id": row.staff.id,
                "mobile_sha256": digest,
                "mobile_masked": mask_mobile(row.mobile),
                "mobile_sealed": seal_mobile(row.mobile),
                "name": row.name,
                "cif_no": row.cif_no,
                "status": TASK_PENDING,
                "created_at": now,
                "matched_bank_customer_id": bank.get(digest),
            },
        ).first()
        imported += inserted is not None
    batch.rows_imported = imported
    batch.rows_skipped = checked.total - imported
    db.session.flush()
    return batch


def _close(task_ids: list[int], customer_id: int, how: str) -> int:
    if not task_ids:
        return 0
    result = db.session.execute(
        update(AddTask)
        .where(AddTask.id.in_(task_ids), AddTask.status == TASK_PENDING)
        .values(status=TASK_ADDED, completed_at=utcnow(), completed_by=how, customer_id=customer_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def complete_tasks_for_add(follow: Follow) -> int:
    """Close the RM's pending tasks whose number the new follow carries in remark_mobiles.

    Asks WeCom (``externalcontact/get``) only when the RM has pending tasks.

    :return: how many tasks closed now.
    :raise WeComError: WeCom could not be asked; the inbox retries the event.
    """
    pending = db.session.scalar(
        select(func.count(AddTask.id)).where(
            AddTask.staff_id == follow.staff_id, AddTask.status == TASK_PENDING
        )
    )
    if not pending:
        return 0
    found = api.get_external_contact(get_client("contact"), follow.customer.external_userid)
    numbers = {
        normalise_mobile(m)
        for info in found.follows
        if info.userid == follow.staff.userid
        for m in info.remark_mobiles
    } - {None}
    if not numbers:
        return 0
    ids = list(
        db.session.scalars(
            select(AddTask.id).where(
                AddTask.staff_id == follow.staff_id,
                AddTask.status == TASK_PENDING,
                AddTask.mobile_sha256.in_([mobile_sha256(n) for n in numbers]),
            )
        )
    )
    return _close(ids, follow.customer_id, BY_REMARK_MOBILE)


def close_tasks_by_binding() -> int:
    """Close pending tasks whose 客户号 is now bound to a customer the task's RM follows.

    :return: how many tasks closed now.
    """
    rows = db.session.execute(
        select(AddTask.id, Follow.customer_id)
        .join(BankCustomer, BankCustomer.cif_no == AddTask.cif_no)
        .join(CustomerBinding, CustomerBinding.bank_customer_id == BankCustomer.id)
        .join(
            Follow,
            (Follow.customer_id == CustomerBinding.customer_id)
            & (Follow.staff_id == AddTask.staff_id),
        )
        .where(AddTask.status == TASK_PENDING, Follow.status.in_((FOLLOW_ACTIVE, FOLLOW_HALF)))
    ).all()
    return sum(_close([task_id], customer_id, BY_CIF_BINDING) for task_id, customer_id in rows)


def tasks_of(
    staff: Staff, *, status: str | None = TASK_PENDING, reveal: bool = False
) -> list[dict]:
    """One RM's tasks; with ``reveal`` (the RM's own list only) the plain number too."""
    query = select(AddTask).where(AddTask.staff_id == staff.id).order_by(AddTask.id)
    if status:
        query = query.where(AddTask.status == status)
    return [task_json(task, reveal=reveal) for task in db.session.scalars(query)]


def task_json(task: AddTask, *, reveal: bool = False) -> dict:
    """A task for lists: the masked number, or (``reveal``) the number itself."""
    data = {
        "id": task.id,
        "rm": task.staff.userid,
        "name": task.name,
        "cif_no": task.cif_no,
        "mobile": task.mobile_masked,
        "status": task.status,
        "line": task.line_no,
        "import_id": task.import_id,
        "completed_by": task.completed_by,
        "matched_bank_customer": task.matched_bank_customer_id is not None,
    }
    if reveal:
        plain = open_mobile(task.mobile_sealed)
        data["mobile"] = plain or task.mobile_masked
        if plain is None:
            data["note"] = "the number cannot be opened (SECRET_KEY changed); ask for a re-import"
    return data


def remind_pending_adds(now: datetime | None = None) -> int:
    """Send each RM with pending tasks one app message a day with how many are waiting.

    Through the gate, key ``acq-remind:<userid>:<local date>``: a second run the same day
    sends nothing. The message holds the count only, never a number or a name.

    :return: how many RMs were reminded now.
    """
    now = now or utcnow()
    day = now.astimezone(ZoneInfo(current_app.config["SCRM_TIMEZONE"])).date().isoformat()
    rows = db.session.execute(
        select(Staff, func.count(AddTask.id))
        .join(AddTask, AddTask.staff_id == Staff.id)
        .where(AddTask.status == TASK_PENDING, Staff.removed_at.is_(None))
        .group_by(Staff.id)
        .order_by(Staff.userid)
    ).all()
    reminded = 0
    for staff, count in rows:
        key = f"acq-remind:{staff.userid}:{day}"
        if find_released(key) is not None:
            continue  # reminded today already
        text = (
            f"【批量加好友】您还有{count}位客户待添加。请在侧边栏“待加客户”查看号码，"
            "在企业微信中搜索手机号添加，并把号码记在客户备注的电话里，系统会自动核销。"
        )
        notice = notify_staff(
            staff.userid,
            text,
            origin="acquisition_reminder",
            idempotency_key=key,
            attempted_by="acquisition:reminder",
        )
        reminded += notice is not None
    return reminded
