"""The sidebar's JSON API under ``/api/sidebar/``: the URL table and thin handlers.

Every route names one permission from :data:`scrm.auth.PERMISSIONS`; every chat it touches
is checked by :mod:`scrm.sidebar.scope` (404 for someone else's customer or group, so
existence never leaks). Handlers never commit: the request commits once it answered, and
rolls back on an error (:mod:`scrm.db`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, request

from scrm.auth import current_staff, require
from scrm.db import db
from scrm.errors import ScrmError
from scrm.payloads import json_object, text_field, whole_number
from scrm.sidebar import chat_context as context
from scrm.sidebar import payloads, scripts, send_check
from scrm.sidebar.models import SidebarScript
from scrm.sidebar.scope import chat_group, own_customer
from scrm.sidebar.variables import VARIABLES, fill

log = logging.getLogger(__name__)
bp = Blueprint("sidebar_api", __name__, url_prefix="/api/sidebar")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/home", show_home),
        ("GET", "/customers/<external_userid>/messages", list_messages),
        ("GET", "/customers/<external_userid>/todos", list_customer_todos),
        ("GET", "/groups/<chat_id>", show_group),
        ("GET", "/scripts", list_scripts),
        ("POST", "/scripts", create_script),
        ("PUT", "/scripts/<int:script_id>", update_script),
        ("DELETE", "/scripts/<int:script_id>", retire_script),
        ("GET", "/materials", list_materials),
        ("POST", "/materials", create_material),
        ("PUT", "/materials/<key>", update_material),
        ("POST", "/send-check", post_send_check),
        ("POST", "/check", post_check),
        ("POST", "/problems", report_problem),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("customers.read")
def show_home():
    """The entry screen: who is signed in, what they may do, and their to-do counts."""
    staff = current_staff()
    return {
        "staff": {"userid": staff.userid, "name": staff.name},
        "counts": context.todo_counts(staff),
    }


@require("customers.read")
def list_messages(external_userid: str):
    """The last ``?limit=`` (≤50, default 20) archived messages of the caller's 1v1 chat with
    their own customer; 404 for anyone else's customer."""
    staff = current_staff()
    customer, _ = _own_customer(external_userid)
    limit = whole_number(request.args, "limit", default=20, minimum=1, maximum=50)
    return {"messages": context.recent_messages(staff, customer, limit)}


@require("customers.read")
def list_customer_todos(external_userid: str):
    """The caller's open to-dos about their own customer."""
    staff = current_staff()
    customer, _ = _own_customer(external_userid)
    return {"todos": context.customer_todos(staff, customer)}


@require("customers.read")
def show_group(chat_id: str):
    """The group screen for a group the caller owns, holds a role in, or is a member of."""
    staff = current_staff()
    try:
        group = chat_group(staff, chat_id)
    except ScrmError as error:
        if error.status_code == 404:
            log.info("sidebar: group out of scope for %s", staff.userid)
        raise
    return context.group_view(staff, group)


@require("scripts.read")
def list_scripts():
    """Categories, and the scripts matching ``?q=`` (jieba words, simplified or traditional)
    in ``?category=``; with ``?external_userid=`` or ``?chat_id=`` each script's text comes
    filled for that chat (``filled``, ``missing``). Also the active materials."""
    staff = current_staff()
    args = request.args
    customer, group = None, False
    if args.get("external_userid"):
        customer, _ = _own_customer(args["external_userid"])
    elif args.get("chat_id"):
        chat_group(staff, args["chat_id"])
        group = True
    found = scripts.search_scripts(args.get("q", ""), args.get("category") or None)
    rows = []
    for script in found[:100]:
        row = payloads.script(script)
        if customer is not None or group:
            filled = fill(script, staff, customer, group=group)
            row |= {"filled": filled.text, "missing": list(filled.missing)}
        rows.append(row)
    return {
        "categories": scripts.categories(),
        "variables": list(VARIABLES),
        "scripts": rows,
        "materials": [payloads.material(m) for m in payloads.active_materials()],
    }


@require("scripts.manage")
def create_script():
    """Add a script (HQ ops): key, category, title, body, product_name, material_key, order."""
    script = scripts.save_script(json_object(), by=current_staff().userid)
    return {"script": payloads.script(script)}, 201


@require("scripts.manage")
def update_script(script_id: int):
    """Change a script (HQ ops); fields left out keep their value."""
    script = _find(SidebarScript, script_id)
    scripts.save_script(json_object(), by=current_staff().userid, script=script)
    return {"script": payloads.script(script)}


@require("scripts.manage")
def retire_script(script_id: int):
    """Take a script out of the library (kept inactive, for the record)."""
    script = _find(SidebarScript, script_id)
    scripts.save_script({"active": False}, by=current_staff().userid, script=script)
    return {"script": payloads.script(script)}


@require("scripts.read")
def list_materials():
    """The active materials, by category."""
    return {"materials": [payloads.material(m) for m in payloads.active_materials()]}


@require("scripts.manage")
def create_material():
    """Add a material (HQ ops): key, kind (image|link|miniprogram|file), category, title,
    content (sendChatMessage's fields for the kind)."""
    material = scripts.save_material(json_object(), by=current_staff().userid)
    return {"material": payloads.material(material)}, 201


@require("scripts.manage")
def update_material(key: str):
    """Change a material (HQ ops); ``{"active": false}`` retires it."""
    material = scripts.find_material(key, active_only=False)
    if material is None:
        raise ScrmError(f"no material {key!r}; see GET /api/sidebar/materials", status_code=404)
    scripts.save_material(json_object(), by=current_staff().userid, material=material)
    return {"material": payloads.material(material)}


@require("sidebar.send")
def post_send_check():
    """One tap on send: the compliance gate decides; the page sends only when released."""
    staff = current_staff()
    answer = send_check.checked_send(staff, json_object())
    log.info("sidebar send by %s: %s", staff.userid, answer["decision"])
    return answer


@require("sidebar.send")
def post_check():
    """Check a draft without sending: the scanner's verdict, archived nowhere."""
    body = json_object()
    return send_check.check_only(body.get("text"), body.get("channel", "single"))


#: Problems the page explains to the RM and reports for one log line each.
PROBLEMS = frozenset({"outside_wecom", "jssdk_signature", "no_chat"})


@require("customers.read")
def report_problem():
    """One server log line for a problem the page showed the RM: ``{"kind": …}``."""
    kind = text_field(json_object(), "kind")
    if kind not in PROBLEMS:
        raise ScrmError(f'"kind" must be one of {", ".join(sorted(PROBLEMS))}')
    log.warning("sidebar problem for %s: %s", current_staff().userid, kind)
    return {"logged": kind}


def _own_customer(external_userid: str):
    staff = current_staff()
    try:
        return own_customer(staff, external_userid)
    except ScrmError as error:
        if error.status_code == 404:
            log.info("sidebar: customer out of scope for %s", staff.userid)
        raise


def _find(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None:
        raise ScrmError(f"no script {row_id}; see GET /api/sidebar/scripts", status_code=404)
    return row


_rules()
