"""The binding JSON API: ``/api/customers/<external_userid>/binding`` (机构内身份认证).

GET needs ``customers.read``; PUT (bind or change) and DELETE (unbind) need
``customers.bind``. RMs see and change only customers they serve; branch leads those served
in their branch. A customer outside the caller's scope answers exactly like an unknown one
(404, same message), so the API never tells whether a customer exists. Handlers never commit:
the request commits once it answered (:mod:`scrm.db`); a ``BindingError`` renders itself with
its status.
"""

from __future__ import annotations

from flask import Blueprint

from scrm.auth import current_staff, require
from scrm.customers.identity.services import (
    bind_customer,
    binding_history,
    binding_json,
    customer_for,
    unbind_customer,
)
from scrm.errors import ScrmError
from scrm.payloads import json_object, text_field

bp = Blueprint("customer_binding_api", __name__, url_prefix="/api/customers")


def _rules() -> None:
    """The URL table: (method, rule, view)."""
    for method, rule, view in (
        ("GET", "/<external_userid>/binding", show_binding),
        ("PUT", "/<external_userid>/binding", put_binding),
        ("DELETE", "/<external_userid>/binding", delete_binding),
    ):
        bp.add_url_rule(rule, view_func=view, methods=[method])


@require("customers.read")
def show_binding(external_userid: str):
    """The contact's binding and its history (who, how, why, when)."""
    customer = customer_for(current_staff(), external_userid)
    history = binding_history(external_userid)
    return binding_json(customer) | {
        "history": [
            {
                "action": row.action,
                "old_cif_no": row.old_cif_no,
                "new_cif_no": row.new_cif_no,
                "method": row.method,
                "by": row.by_userid,
                "reason": row.reason,
                "at": row.at.isoformat(),
            }
            for row in history
        ]
    }


@require("customers.bind")
def put_binding(external_userid: str):
    """Bind or change. Body: cif_no, method, note, reason (to change), move, request_key."""
    body = json_object(optional=True)
    if not body.get("cif_no") or not body.get("method"):
        raise ScrmError(
            "cif_no and method are required (method: counter, mobile_sms, video, import)"
        )
    staff = current_staff()
    bind_customer(
        external_userid,
        str(body["cif_no"]),
        method=str(body["method"]),
        by=staff,
        by_userid=staff.userid,
        note=text_field(body, "note"),
        reason=text_field(body, "reason"),
        move=bool(body.get("move")),
        request_key=text_field(body, "request_key"),
    )
    return binding_json(customer_for(staff, external_userid))


@require("customers.bind")
def delete_binding(external_userid: str):
    """Unbind. Body: reason (required), request_key."""
    body = json_object(optional=True)
    staff = current_staff()
    unbind_customer(
        external_userid,
        by=staff,
        by_userid=staff.userid,
        reason=text_field(body, "reason") or "",
        request_key=text_field(body, "request_key"),
    )
    return binding_json(customer_for(staff, external_userid))


_rules()
