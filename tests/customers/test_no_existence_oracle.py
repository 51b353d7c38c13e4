"""No existence oracle: an RM who asks about a customer they do not serve gets exactly the
answer for a customer scrm has never heard of — same status (404), same body — on every
customer route (binding, card, tags, remark, notes, the sidebar's chat context and send)."""

from __future__ import annotations

import pytest
from helpers import CSRF_HEADERS
from profile_names import BEIJING_CUSTOMER, CUSTOMER, LIN, ZHAO_BJ
from sqlalchemy import func, select

from scrm.customers.identity.models import CustomerBindingAudit
from scrm.db import db

UNKNOWN = "wmProfileNobody0000099"  # no such contact anywhere

#: (method, path, JSON body) for every route that names one customer; {eid} is the customer.
CUSTOMER_ROUTES = [
    ("GET", "/api/customers/{eid}/binding", None),
    ("PUT", "/api/customers/{eid}/binding", {"cif_no": "C20260001234", "method": "counter"}),
    ("PUT", "/api/customers/{eid}/binding", {"cif_no": "C20269999999", "method": "counter"}),
    ("PUT", "/api/customers/{eid}/binding", {"cif_no": "C20260001234", "method": "飞鸽传书"}),
    ("DELETE", "/api/customers/{eid}/binding", {"reason": "客户要求解除绑定"}),
    ("DELETE", "/api/customers/{eid}/binding", {}),
    ("GET", "/api/customers/{eid}", None),
    ("PUT", "/api/customers/{eid}/tags", {"tag_ids": []}),
    ("PUT", "/api/customers/{eid}/remark", {"remark": "李总"}),
    ("POST", "/api/customers/{eid}/notes", {"text": "电话回访，客户关心大额存单"}),
    ("PUT", "/api/customers/{eid}/notes/1", {"text": "改一下"}),
    ("GET", "/api/sidebar/customers/{eid}/messages", None),
    ("GET", "/api/sidebar/customers/{eid}/todos", None),
    ("GET", "/api/sidebar/scripts?external_userid={eid}", None),
    (
        "POST",
        "/api/sidebar/send-check",
        {"text": "您好", "external_userid": "{eid}", "attempt_key": "tap-oracle-0001"},
    ),
]


def _ask(client, method: str, path: str, body, eid: str):
    if body is not None:
        body = {k: v.format(eid=eid) if isinstance(v, str) else v for k, v in body.items()}
    answer = client.open(
        path.format(eid=eid),
        method=method,
        json=body,
        headers=CSRF_HEADERS if method != "GET" else {},
    )
    text = answer.get_data(as_text=True).replace(eid, "<customer>")
    return answer.status_code, text


@pytest.mark.parametrize(("method", "path", "body"), CUSTOMER_ROUTES)
def test_another_rms_customer_and_an_unknown_one_get_the_same_answer(
    profile_bank, client, sign_in_as, method, path, body
):
    sign_in_as(LIN)
    unknown = _ask(client, method, path, body, UNKNOWN)
    not_mine = _ask(client, method, path, body, BEIJING_CUSTOMER)
    assert unknown[0] == 404, unknown
    assert not_mine == unknown


def test_a_replayed_binding_form_does_not_show_another_rms_customer(
    profile_bank, client, sign_in_as, create_bank_customer
):
    create_bank_customer("C20260005678", "李秀英", tier="gold")
    db.session.commit()
    sign_in_as(ZHAO_BJ)
    bound = client.put(
        f"/api/customers/{BEIJING_CUSTOMER}/binding",
        json={"cif_no": "C20260005678", "method": "counter", "request_key": "form-bj-0001"},
        headers=CSRF_HEADERS,
    )
    assert bound.status_code == 200, bound.get_json()
    sign_in_as(LIN)
    for eid in (BEIJING_CUSTOMER, UNKNOWN):
        replay = client.put(
            f"/api/customers/{eid}/binding",
            json={"cif_no": "C20260005678", "method": "counter", "request_key": "form-bj-0001"},
            headers=CSRF_HEADERS,
        )
        assert replay.status_code == 404, replay.get_json()
        assert "C20260005678" not in replay.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CustomerBindingAudit)) == 1


def test_a_customer_number_bound_outside_my_scope_does_not_name_that_contact(
    profile_bank, client, sign_in_as, create_bank_customer
):
    create_bank_customer("C20260005678", "李秀英", tier="gold", bound_to=BEIJING_CUSTOMER)
    db.session.commit()
    sign_in_as(LIN)
    taken = client.put(
        f"/api/customers/{CUSTOMER}/binding",
        json={"cif_no": "C20260005678", "method": "counter"},
        headers=CSRF_HEADERS,
    )
    assert taken.status_code == 409
    message = taken.get_json()["error"]["message"]
    assert "李女士" not in message and BEIJING_CUSTOMER not in message
    assert "另一位联系人" in message
