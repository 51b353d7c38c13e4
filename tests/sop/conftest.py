"""A small fictional bank for the SOP tests, written straight to the database (no sync
needed), and published templates holding the steps of sop_steps.py."""

from __future__ import annotations

import pytest

from scrm.db import db
from scrm.sop.models import SopTemplate


@pytest.fixture
def build_sop_bank(create_department, create_staff):
    """``build_sop_bank()`` in an app context: HQ (1) → 上海分行 (2) → 陆家嘴支行 (3), and
    北京分行 (4); an RM, an assistant and a branch lead in 上海, an RM in 北京 (no role yet).
    Returns them as rm, assistant, lead, beijing_rm."""

    def build() -> dict:
        hq = create_department(1, "星河银行")
        branch = create_department(2, "上海分行", hq)
        sub_branch = create_department(3, "陆家嘴支行", branch)
        other_branch = create_department(4, "北京分行", hq)
        bank = {
            "rm": create_staff("lin.xiaomei", "林小美", sub_branch, roles=["rm"]),
            "assistant": create_staff("zhou.zhuli", "周助理", sub_branch),
            "lead": create_staff("chen.hang", "陈行长", branch, roles=["branch_lead"]),
            "beijing_rm": create_staff("zhao.bj", "赵北京", other_branch),
        }
        return bank

    return build


@pytest.fixture
def sop_bank(app_ctx, build_sop_bank) -> dict:
    """The SOP tests' bank (see ``build_sop_bank``), flushed."""
    return build_sop_bank()


@pytest.fixture
def create_template():
    """``create_template(name, steps, roles=("理财经理", "助理"))``: a published template version
    holding ``steps`` (their keys filled in as the parser does)."""

    def create_template(name: str, steps: list[dict], roles=("理财经理", "助理")) -> SopTemplate:
        for step in steps:
            step["key"] = f"{name}/{step['id']}"
        template = SopTemplate(
            name=name,
            version=1,
            title="新客欢迎群七日陪伴",
            roles=list(roles),
            steps=steps,
            locked_steps=[],
            source_file=f"sop_templates/{name}.yaml",
            content_hash="0" * 64,
        )
        db.session.add(template)
        db.session.flush()
        return template

    return create_template
