"""星河银行 for mass messages: 上海分行 with a sub-branch and 北京分行, three RMs, a dozen bound
customers with tiers, types and tags, synced from the simulator; the archive app licensed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from campaign_bank import ARCHIVE_SECRET, CUSTOMERS, HQ, LEAD, A, B, C
from sqlalchemy import select

from scrm.customers.identity.models import BankCustomer, BankCustomerType, CustomerBinding
from scrm.customers.models import Customer
from scrm.db import db
from scrm.directory.models import Staff, StaffRole
from scrm.sync.services import run_full_sync
from scrm.wecom.simulator.msgaudit import enable_archive


@dataclass
class Bank:
    staff: dict[str, Staff]
    tag_ids: dict[str, str]
    chat_id: str


@pytest.fixture
def audit(sim):
    return enable_archive(sim, ARCHIVE_SECRET)


@pytest.fixture
def app_config(app_config, audit):
    return {**app_config, "WECOM_ARCHIVE_SECRET": ARCHIVE_SECRET}


@pytest.fixture
def bank(app_ctx, sim) -> Bank:
    sim.add_department(1, "星河银行")
    sim.add_department(2, "上海分行", parent_id=1)
    sim.add_department(3, "陆家嘴支行", parent_id=2)
    sim.add_department(4, "北京分行", parent_id=1)
    sim.add_user(A, "林小美", [2], position="客户经理")
    sim.add_user(B, "王建国", [3], position="客户经理")
    sim.add_user(C, "赵北京", [4], position="客户经理")
    sim.add_user(HQ, "宗运营", [1], follow=False)
    sim.add_user(LEAD, "陈行长", [2], follow=False)
    _, ids = sim.add_tag_group("客户来源", ["代发客户", "按揭客户"])
    _, more = sim.add_tag_group("投资偏好", ["稳健理财"])
    tag_ids = dict(zip(["代发客户", "按揭客户", "稳健理财"], ids + more, strict=True))
    base = int(sim.clock.timestamp()) - 90 * 86400
    for eid, (name, rms, _tier, _types, tags) in CUSTOMERS.items():
        sim.add_customer(eid, name)
        for i, rm in enumerate(rms):
            sim.add_follow(
                rm, eid, tag_ids=[tag_ids[t] for t in tags], createtime=base + 86400 * (i + 1)
            )
    chat_id = sim.add_group_chat(A, "上海分行·代发客户群", [("wmZhangWei001", 2, 1)])
    run_full_sync()
    staff = {s.userid: s for s in db.session.scalars(select(Staff))}
    db.session.add(StaffRole(staff_id=staff[HQ].id, role="hq_ops"))
    db.session.add(StaffRole(staff_id=staff[LEAD].id, role="branch_lead"))
    customers = {c.external_userid: c for c in db.session.scalars(select(Customer))}
    for n, (eid, (name, _rms, tier, types, _tags)) in enumerate(CUSTOMERS.items()):
        if tier is None:
            continue
        bank_customer = BankCustomer(
            cif_no=f"CIF{n:08d}",
            name=name,
            tier=tier,
            aum_band="500k_6m",
            department_id=2,
            types=[BankCustomerType(type=t) for t in types],
        )
        db.session.add(bank_customer)
        db.session.flush()
        db.session.add(
            CustomerBinding(
                customer_id=customers[eid].id, bank_customer_id=bank_customer.id, method="counter"
            )
        )
    db.session.commit()
    return Bank(staff=staff, tag_ids=tag_ids, chat_id=chat_id)


@pytest.fixture
def sign_in_as(client):
    """Sign ``client`` in as a member of staff; returns the CSRF token to send."""

    def sign_in_as(staff: Staff | None) -> str:
        with client.session_transaction() as session:
            session.clear()
            session["csrf_token"] = "csrf-token-for-tests"
            if staff is not None:
                session["staff_id"] = staff.id
        return "csrf-token-for-tests"

    return sign_in_as
