"""What the console and export tests share: a small bank with every role, messages sent
through the real gate (hits open review cases), and the search index."""

from __future__ import annotations

import pytest
from console_helpers import customer_says, index_now, send_through_gate

from scrm.compliance.review.cases import find_review_case
from scrm.db import db
from scrm.directory.models import Staff


@pytest.fixture
def bank(app_ctx, create_department, create_staff) -> dict[str, Staff]:
    """星河银行 (1) → 上海分行 (2) → 陆家嘴支行 (3): an RM, a compliance officer, an admin."""
    hq = create_department(1, "星河银行")
    lujiazui = create_department(3, "陆家嘴支行", create_department(2, "上海分行", hq))
    people = {
        "rm": create_staff("lin.xiaomei", "林小美", lujiazui, roles=["rm"]),
        "compliance": create_staff("he.gui", "何合规", hq, roles=["compliance"]),
        "admin": create_staff("guan.li", "管理员", hq, roles=["admin"]),
    }
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
