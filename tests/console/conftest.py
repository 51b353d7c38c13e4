"""What the console and export tests share: a small bank with every role, messages sent
through the real gate (hits open review cases), and the search index."""

from __future__ import annotations

import pytest
from console_helpers import customer_says, index_now, send_through_gate

from scrm.compliance.review.cases import find_review_case
from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole


@pytest.fixture
def bank(app_ctx) -> dict[str, Staff]:
    """星河银行 (1) → 上海分行 (2) → 陆家嘴支行 (3): an RM, a compliance officer, an admin."""
    db.session.add_all(
        [
            Department(id=1, name="星河银行"),
            Department(id=2, name="上海分行", parent_id=1),
            Department(id=3, name="陆家嘴支行", parent_id=2),
        ]
    )
    db.session.flush()
    people = {
        "rm": Staff(userid="lin.xiaomei", name="林小美", department_id=3),
        "compliance": Staff(userid="he.gui", name="何合规", department_id=1),
        "admin": Staff(userid="guan.li", name="管理员", department_id=1),
    }
    db.session.add_all(people.values())
    db.session.flush()
    for key in people:
        db.session.add(StaffRole(staff_id=people[key].id, role=key))
    db.session.commit()
    return people


@pytest.fixture
def gate():
    """``gate(sender, text)`` → archived message id; ``gate.case(id)`` its review case."""

    class Gate:
        send = staticmethod(send_through_gate)
        customer = staticmethod(customer_says)
        index = staticmethod(index_now)
        case = staticmethod(find_review_case)

    return Gate
