"""Script variables (话术变量): {称呼} {产品名称} {网点地址} {客户经理}, filled from the customer,
the script's product, the RM's branch and the RM, so the RM gets ready-to-send copy.

A variable with nothing to fill it stays in the text as written and is named in ``missing``:
the page asks the RM to complete it before sending, and never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from scrm.customers.identity.models import CustomerBinding
from scrm.customers.models import Customer, Follow
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.sidebar.models import BranchAddress, SidebarScript

VARIABLES = ("称呼", "产品名称", "网点地址", "客户经理")
_PATTERN = re.compile(r"\{(" + "|".join(VARIABLES) + r")\}")
_GENDER_TITLES = {1: "先生", 2: "女士"}
_REMARK_NOTES = re.compile(r"[·•\-_/|｜（(\s]")
GROUP_SALUTATION = "各位"  # in a customer group the script greets everyone


@dataclass(frozen=True)
class Filled:
    """A script's text for one chat: ``text`` ready to send, ``missing`` variables unfilled."""

    text: str
    missing: tuple[str, ...]


def salutation(staff: Staff, customer: Customer | None) -> str | None:
    """How the RM addresses the customer (称呼): the RM's remark for them (up to the first
    separator), else the bound bank customer's surname with 先生/女士 by WeCom's gender, else
    their WeCom name."""
    if customer is None:
        return None
    follow = db.session.scalar(
        select(Follow).where(Follow.customer_id == customer.id, Follow.staff_id == staff.id)
    )
    if follow is not None and follow.remark:
        # Remarks often carry the RM's own notes after a separator: "王总·代发" → 王总.
        name = _REMARK_NOTES.split(follow.remark, maxsplit=1)[0].strip()
        if name:
            return name
    binding = db.session.scalar(
        select(CustomerBinding).where(CustomerBinding.customer_id == customer.id)
    )
    title = _GENDER_TITLES.get(customer.gender)
    if binding is not None and title and binding.bank_customer.name:
        return binding.bank_customer.name[0] + title
    return customer.name or None


def branch_address(staff: Staff) -> str | None:
    """The address of the RM's sub-branch, or of the nearest branch above it that has one."""
    addresses = dict(
        db.session.execute(select(BranchAddress.department_id, BranchAddress.address)).all()
    )
    department_id, seen = staff.department_id, set()
    while department_id is not None and department_id not in seen:
        if department_id in addresses:
            return addresses[department_id]
        seen.add(department_id)
        department = db.session.get(Department, department_id)
        department_id = department.parent_id if department else None
    return None


def fill(script: SidebarScript, staff: Staff, customer: Customer | None, *, group: bool) -> Filled:
    """The script's body with its variables filled for this RM and chat.

    :param customer: the customer of a 1v1 chat (None in a group or when unknown).
    :param group: True in a customer group: {称呼} becomes 各位.
    """
    values = {
        "称呼": GROUP_SALUTATION if group else salutation(staff, customer),
        "产品名称": script.product_name,
        "网点地址": branch_address(staff) if "{网点地址}" in script.body else None,
        "客户经理": staff.name or None,
    }
    missing = []

    def one(match: re.Match) -> str:
        value = values.get(match.group(1))
        if not value:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return match.group(0)
        return value

    return Filled(_PATTERN.sub(one, script.body), tuple(missing))
