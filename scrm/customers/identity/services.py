"""机构内身份认证: binding a WeCom contact to the bank's customer number (客户号 / CIF), with
who verified it and how; changing or unbinding only with a reason. Every change writes one
:class:`CustomerBindingAudit` row; audit rows are never updated or deleted (no code path
does, and database triggers refuse it). Writers flush; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.customers.access import BANK_WIDE_ROLES, scoped_customer, visible_follows
from scrm.customers.identity.models import (
    BINDING_METHODS,
    BankCustomer,
    CustomerBinding,
    CustomerBindingAudit,
)
from scrm.customers.models import Customer
from scrm.customers.services import get_customer
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.errors import ScrmError

MAX_REASON_CHARS = 200


class BindingError(ScrmError, ValueError):
    """A binding that cannot be made as asked; the message names the fix."""

    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message, status_code=status_code)


def may_act_on(staff: Staff, customer: Customer) -> bool:
    """RMs act on customers they serve (a live follow); branch leads on customers served in
    their department or below; HQ ops and admins on everyone (the rule of
    :mod:`scrm.customers.access`)."""
    return bool(staff.role_names & BANK_WIDE_ROLES) or bool(visible_follows(staff, customer))


def find_customer(external_userid: str) -> Customer:
    """The contact, for an operator at the CLI (who may act on anyone).

    :raise BindingError: 404 when scrm does not know the contact.
    """
    customer = get_customer(external_userid)
    if customer is None:
        raise BindingError(
            f"no customer {external_userid!r}; check the id or run `scrm sync`", status_code=404
        )
    return customer


def customer_for(staff: Staff | None, external_userid: str) -> Customer:
    """The contact ``staff`` may see and act on (any contact for ``None``, the CLI operator).

    Staff get one answer for a contact scrm does not know and for one outside their scope:
    the same 404 and the same words, after the same one query, so the API never tells
    whether a customer exists.

    :raise BindingError: 404 as above.
    """
    if staff is None:
        return find_customer(external_userid)
    customer = scoped_customer(staff, external_userid)  # one query either way
    if customer is None:
        raise BindingError(
            f"您服务的客户中没有 {external_userid}，请核对 external_userid。 "
            f"(no customer {external_userid!r} among yours; check the id)",
            404,
        )
    return customer


def binding_of(customer: Customer) -> CustomerBinding | None:
    """The customer's current binding, if any."""
    return db.session.scalar(
        select(CustomerBinding).where(CustomerBinding.customer_id == customer.id)
    )


def _replayed(request_key: str | None) -> bool:
    return bool(request_key) and (
        db.session.scalar(
            select(CustomerBindingAudit.id).where(CustomerBindingAudit.request_key == request_key)
        )
        is not None
    )


def _reason(reason: str | None, required: bool, what: str) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise BindingError(f"a reason is required to {what} a binding; say why")
    if len(reason) > MAX_REASON_CHARS:
        raise BindingError(
            f"the reason has {len(reason)} characters; keep it to {MAX_REASON_CHARS}"
        )
    return reason


def _audit(customer, action, old, new, method, by, by_userid, reason, request_key) -> None:
    db.session.add(
        CustomerBindingAudit(
            customer_id=customer.id,
            action=action,
            old_cif_no=old,
            new_cif_no=new,
            method=method,
            by_staff_id=by.id if by else None,
            by_userid=by_userid,
            reason=reason,
            request_key=request_key or None,
        )
    )


def bind_customer(
    external_userid: str,
    cif_no: str,
    *,
    method: str,
    by: Staff | None,
    by_userid: str,
    note: str | None = None,
    reason: str | None = None,
    move: bool = False,
    request_key: str | None = None,
) -> CustomerBinding:
    """Bind a contact to a bank customer number, or change its binding (reason required).

    :param method: how it was verified, one of :data:`BINDING_METHODS`.
    :param by: the member of staff acting (``None`` for an operator at the CLI); RMs may bind
        only customers they serve.
    :param move: the customer number is bound to another contact: unbind it there first
        (reason required).
    :param request_key: a form posted twice binds (and audits) once.
    :raise BindingError: an unknown contact or one not theirs (the same 404), an unknown
        customer number, a missing reason, or a customer number already bound to another
        contact without ``move`` (that contact named only to someone who may see them).
    """
    customer = customer_for(by, external_userid)  # before the replay: it answers with data
    current = binding_of(customer)
    if _replayed(request_key):
        return current
    if method not in BINDING_METHODS:
        raise BindingError(f"unknown method {method!r}; use one of {', '.join(BINDING_METHODS)}")
    cif_no = (cif_no or "").strip()
    bank = db.session.scalar(select(BankCustomer).where(BankCustomer.cif_no == cif_no))
    if bank is None:
        raise BindingError(
            f"no bank customer with 客户号 {cif_no!r}; import it first "
            "(scrm customers import-bank-customers)",
            404,
        )
    if current is not None and current.bank_customer_id == bank.id:
        return current  # already so: nothing to record
    elsewhere = db.session.scalar(
        select(CustomerBinding).where(
            CustomerBinding.bank_customer_id == bank.id, CustomerBinding.customer_id != customer.id
        )
    )
    if elsewhere is not None:
        other = db.session.get(Customer, elsewhere.customer_id)
        if not move:
            # Name the other contact only to someone who may see them.
            if by is None or may_act_on(by, other):
                named = f"{other.name} ({other.external_userid})"
                raise BindingError(
                    f"客户号 {cif_no} 已绑定到另一位联系人 {named}；请先在那里解绑，或填写理由后"
                    f"迁移。 (客户号 {cif_no} is bound to another contact, {named}; unbind it "
                    "there, or move it with a reason)",
                    409,
                )
            raise BindingError(
                f"客户号 {cif_no} 已绑定到您服务范围外的另一位联系人；请联系其客户经理或"
                f"支行负责人。 (客户号 {cif_no} is bound to another contact outside your "
                "scope; ask their RM or branch lead)",
                409,
            )
        why = _reason(reason, True, "move")
        _audit(
            other,
            "unbind",
            cif_no,
            None,
            method,
            by,
            by_userid,
            f"moved to {external_userid}: {why}"[:MAX_REASON_CHARS],
            None,
        )
        db.session.delete(elsewhere)
        db.session.flush()
    action = "bind" if current is None else "change"
    why = _reason(reason, action == "change", "change")
    old = current.bank_customer.cif_no if current is not None else None
    if current is None:
        current = CustomerBinding(customer_id=customer.id)
        db.session.add(current)
    current.bank_customer_id = bank.id
    current.method, current.note = method, (note or None)
    current.verified_by_staff_id = by.id if by else None
    current.verified_at = utcnow()
    _audit(customer, action, old, cif_no, method, by, by_userid, why or "首次绑定", request_key)
    db.session.flush()
    return current


def unbind_customer(
    external_userid: str,
    *,
    by: Staff | None,
    by_userid: str,
    reason: str,
    request_key: str | None = None,
) -> None:
    """Remove a contact's binding, with a reason.

    :raise BindingError: an unknown contact or one not theirs (the same 404), no reason, or
        nothing bound.
    """
    customer = customer_for(by, external_userid)
    if _replayed(request_key):
        return
    why = _reason(reason, True, "remove")
    current = binding_of(customer)
    if current is None:
        raise BindingError(f"{external_userid} is not bound to a customer number", 404)
    _audit(
        customer,
        "unbind",
        current.bank_customer.cif_no,
        None,
        None,
        by,
        by_userid,
        why,
        request_key,
    )
    db.session.delete(current)
    db.session.flush()


def binding_history(external_userid: str) -> list[CustomerBindingAudit]:
    """Every change to a contact's binding, oldest first.

    :raise BindingError: 404 when scrm does not know the contact.
    """
    customer = find_customer(external_userid)
    return list(
        db.session.scalars(
            select(CustomerBindingAudit)
            .where(CustomerBindingAudit.customer_id == customer.id)
            .order_by(CustomerBindingAudit.id)
        )
    )


def binding_json(customer: Customer) -> dict:
    """The binding as the API shows it (the bank customer's number, name, tier, method)."""
    current = binding_of(customer)
    if current is None:
        return {"external_userid": customer.external_userid, "binding": None}
    bank = current.bank_customer
    return {
        "external_userid": customer.external_userid,
        "binding": {
            "cif_no": bank.cif_no,
            "name": bank.name,
            "tier": bank.tier,
            "method": current.method,
            "verified_by": by.userid if (by := current.verified_by_staff) else None,
            "verified_at": current.verified_at.isoformat(),
            "note": current.note,
        },
    }
