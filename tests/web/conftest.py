"""A small bank in the WeCom simulator for the sign-in tests: 星河银行 → 陆家嘴支行, an RM,
an RM who has left, and helpers that walk the OAuth redirects the way a browser would; the
local console account `admin`."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from web_helpers import LEFT, PASSWORD, RM, sim_url

from scrm.db import db
from scrm.directory.services import grant_role, upsert_staff
from scrm.web.signin.models import ConsoleAccount
from scrm.wecom.endpoints.reads import MemberInfo


@pytest.fixture
def wecom_bank(sim, app_config, app_ctx):
    """Departments and members in the simulator; the RM also synced into scrm with role rm."""
    app_ctx.config["WECOM_OAUTH_AUTHORIZE_URL"] = sim_url(app_config) + "/connect/oauth2/authorize"
    app_ctx.config["WECOM_WEB_LOGIN_URL"] = sim_url(app_config) + "/wwlogin/sso/login"
    sim.add_department(1, "星河银行")
    sim.add_department(3, "陆家嘴支行", parent_id=1)
    sim.add_user(RM, "林小美", [3])
    sim.add_user(LEFT, "王離職", [3], status=5)
    sim.add_user("zhou.zhuli", "周助理 🌱", [3])
    rm = upsert_staff(MemberInfo(userid=RM, name="林小美", department_ids=(3,), main_department=3))
    grant_role(rm, "rm")
    upsert_staff(
        MemberInfo(userid=LEFT, name="王離職", department_ids=(3,), main_department=3, status=5)
    )
    db.session.commit()
    return sim


@pytest.fixture
def admin(runner, app_ctx) -> ConsoleAccount:
    """The local console account ``guanli`` (password ``web_helpers.PASSWORD``), admin role,
    created with ``scrm create-admin`` as an operator would."""
    result = runner.invoke(
        args=["scrm", "create-admin", "--username", "guanli", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    return db.session.scalars(select(ConsoleAccount)).one()
