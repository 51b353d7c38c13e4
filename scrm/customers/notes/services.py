"""RM notes on a customer (跟进记录) and the RM's remark in WeCom (客户备注).

A note is the RM's own: only its author edits it, and every earlier wording is kept as a
revision (the bank must be able to show what was written and when). The remark and
description are WeCom's fields on the RM's relation: written to WeCom first
(``externalcontact/remark``), then stored. Functions flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.customers.models import Customer, Follow
from scrm.customers.notes.models import CustomerNote, CustomerNoteRevision
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.wecom.client import get_client
from scrm.wecom.endpoints.remark import MAX_DESCRIPTION_CHARS, MAX_REMARK_CHARS, remark_customer

MAX_NOTE_CHARS = 1000


class NoteError(ScrmError):
    """A note or remark that cannot be written as given; the message names the fix."""


def _clean(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise NoteError('write the note: give "text" with up to 1,000 characters')
    text = text.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise NoteError(
            f"the note is {len(text)} characters; keep it to {MAX_NOTE_CHARS} or split it in two"
        )
    return text


def add_note(author: Staff, customer: Customer, text: str) -> CustomerNote:
    """Write a new note by ``author`` on ``customer``.

    :raise NoteError: empty, or over 1,000 characters.
    """
    now = utcnow()
    note = CustomerNote(
        customer=customer, author=author, text=_clean(text), version=1, created_at=now
    )
    note.updated_at = now
    db.session.add(note)
    db.session.flush()
    return note


def edit_note(editor: Staff, note: CustomerNote, text: str) -> CustomerNote:
    """Replace a note's wording; the previous wording is kept as a revision.

    An edit that changes nothing writes nothing.

    :raise NoteError: not the note's author (403), empty, or over 1,000 characters.
    """
    if note.author_id != editor.id:
        raise NoteError("only the note's author edits it; write your own note", status_code=403)
    text = _clean(text)
    if text == note.text:
        return note
    now = utcnow()
    db.session.add(
        CustomerNoteRevision(
            note=note,
            version=note.version,
            text=note.text,
            written_at=note.updated_at,
            replaced_at=now,
            replaced_by_id=editor.id,
        )
    )
    note.text, note.version, note.updated_at = text, note.version + 1, now
    db.session.flush()
    return note


def notes_on(customer: Customer, author_ids: set[int] | None) -> list[CustomerNote]:
    """The customer's notes, newest first; only those by ``author_ids`` unless ``None``."""
    query = select(CustomerNote).where(CustomerNote.customer_id == customer.id)
    if author_ids is not None:
        query = query.where(CustomerNote.author_id.in_(author_ids or {0}))
    return list(db.session.scalars(query.order_by(CustomerNote.id.desc())))


def set_remark(
    follow: Follow, *, remark: str | None = None, description: str | None = None
) -> Follow:
    """Set the RM's remark (≤20 characters) and/or description (≤150) in WeCom, then here.

    :raise NoteError: nothing given, or over WeCom's lengths.
    :raise WeComError: WeCom refused or could not be reached; nothing changed in scrm.
    """
    for name, value, limit in (
        ("remark", remark, MAX_REMARK_CHARS),
        ("description", description, MAX_DESCRIPTION_CHARS),
    ):
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise NoteError(f"{name} must be text of at most {limit} characters (WeCom's limit)")
    if remark is None and description is None:
        raise NoteError('give "remark" and/or "description" to change')
    remark_customer(
        get_client("contact"),
        follow.staff.userid,
        follow.customer.external_userid,
        remark=remark,
        description=description,
    )
    if remark is not None:
        follow.remark = remark
    if description is not None:
        follow.description = description
    db.session.flush()
    return follow
