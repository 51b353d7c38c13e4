"""The customer profile JSON API under ``/api/customers/`` (the sidebar's customer card):
the URL table and thin handlers.

Every route names one permission from :data:`scrm.auth.PERMISSIONS`. A customer outside the
caller's scope (:mod:`scrm.customers.access`) answers 404 like an unknown one, so existence
never leaks. Handlers never commit: the request commits once it answered, and rolls back on
an error (:mod:`scrm.db`).
"""

from __future__ import annotations

from flask import Blueprint

from scrm.auth import current_staff, require
from scrm.customers import access, payloads
from scrm.customers.models import Customer, Follow
from scrm.customers.notes.models import CustomerNote
from scrm.customers.notes.services import add_note, edit_note, notes_on, set_remark
from scrm.customers.tag_edit import set_customer_tags
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.payloads import json_object
from scrm.wecom.errors import WeComError

bp = Blueprint("customers_api", __name__, url_prefix="/api/customers")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/tag-groups", list_tag_groups),
        ("GET", "/<external_userid>", show_customer),
        ("PUT", "/<external_userid>/tags", put_tags),
        ("PUT", "/<external_userid>/remark", put_remark),
        ("POST", "/<external_userid>/notes", create_note),
        ("PUT", "/<external_userid>/notes/<int:note_id>", update_note),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("customers.read")
def list_tag_groups():
    """The corp tags (企业标签) an RM may choose from, by group."""
    return {"tag_groups": payloads.tag_groups()}


@require("customers.read")
def show_customer(external_userid: str):
    """The customer card: profile, the caller's relation (remark, tags, channel), the other
    relations in scope, the CIF binding, groups in common and the notes in scope."""
    staff = current_staff()
    customer, follows = _in_scope(staff, external_userid)
    mine = access.own_follow(staff, follows)
    return {
        "customer": {
            "external_userid": customer.external_userid,
            "name": customer.name,
            "avatar": customer.avatar,
            "type": customer.type,
            "gender": customer.gender,
            "corp_name": customer.corp_name,
        },
        "mine": payloads.follow(mine) if mine else None,
        "follows": [payloads.follow(f) for f in follows],
        "binding": payloads.binding(customer),
        "groups_in_common": payloads.groups_in_common(staff, customer),
        "notes": [
            payloads.note(n, with_history=True) for n in notes_on(customer, _note_authors(staff))
        ],
    }


@require("customers.tags.edit")
def put_tags(external_userid: str):
    """Set the corp tags of the customer in one RM's relation: ``{"tag_ids": [...]}``; a
    branch lead names the RM with ``"userid"``. Written to WeCom (mark_tag) first."""
    staff = current_staff()
    body = json_object()
    tag_ids = body.get("tag_ids")
    if not isinstance(tag_ids, list) or not all(isinstance(t, str) for t in tag_ids):
        raise ScrmError('give "tag_ids": the list of corp tag ids the customer should carry')
    customer, follows = _in_scope(staff, external_userid)
    follow = _target_follow(staff, follows, body.get("userid"))
    changed = _wecom(lambda: set_customer_tags(staff, follow, tag_ids))
    return {"follow": payloads.follow(follow), **changed}


@require("customers.notes.edit")
def put_remark(external_userid: str):
    """Set the caller's remark (≤20) and/or description (≤150) of the customer in WeCom."""
    staff = current_staff()
    body = json_object()
    customer, follows = _in_scope(staff, external_userid)
    follow = _target_follow(staff, follows, None)
    _wecom(
        lambda: set_remark(follow, remark=body.get("remark"), description=body.get("description"))
    )
    return {"follow": payloads.follow(follow)}


@require("customers.notes.edit")
def create_note(external_userid: str):
    """Write a follow-up note (跟进记录) on a customer the caller serves: ``{"text": "…"}``."""
    staff = current_staff()
    customer, follows = _in_scope(staff, external_userid)
    _target_follow(staff, follows, None)
    note = add_note(staff, customer, json_object().get("text"))
    return {"note": payloads.note(note, with_history=True)}, 201


@require("customers.notes.edit")
def update_note(external_userid: str, note_id: int):
    """Edit the caller's own note; the earlier wording stays in its history."""
    staff = current_staff()
    customer, _ = _in_scope(staff, external_userid)
    note = db.session.get(CustomerNote, note_id)
    if note is None or note.customer_id != customer.id or note.author_id != staff.id:
        raise ScrmError(
            f"no note {note_id} of yours on this customer; see GET /api/customers/"
            f"{external_userid}",
            status_code=404,
        )
    edit_note(staff, note, json_object().get("text"))
    return {"note": payloads.note(note, with_history=True)}


def _in_scope(staff: Staff, external_userid: str) -> tuple[Customer, list[Follow]]:
    found = access.customer_in_scope(staff, external_userid)
    if found is None:
        raise ScrmError(f"no customer {external_userid} among yours; check the id", status_code=404)
    return found


def _target_follow(staff: Staff, follows: list[Follow], userid: object) -> Follow:
    if userid is None:
        follow = access.own_follow(staff, follows)
        if follow is None:
            raise ScrmError(
                'you do not serve this customer yourself; give "userid": the RM whose relation '
                "changes"
            )
        return follow
    follow = next((f for f in follows if f.staff.userid == userid), None)
    if follow is None:
        raise ScrmError(f"{userid} does not serve this customer in your scope", status_code=404)
    return follow


def _note_authors(staff: Staff) -> set[int] | None:
    roles = staff.role_names
    if roles & access.BANK_WIDE_ROLES:
        return None
    authors = {staff.id}
    if "branch_lead" in roles:
        authors |= access.subtree_staff_ids(staff)
    return authors


def _wecom(call):
    try:
        return call()
    except WeComError as exc:
        raise ScrmError(
            f"WeCom did not take the change ({exc.errcode}: {exc.errmsg[:120]}); nothing was "
            "changed — try again in a minute",
            status_code=502,
        ) from None


_rules()
