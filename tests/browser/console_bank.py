"""The bank the console browser tests walk: the dashboards' small bank (tests/dashboards/
dashboard_bank.py: 星河银行 → 上海分行 → 陆家嘴支行 …, every role, two days of metrics) rolled
up, its members in the WeCom simulator so each can sign in, and two sends through the real
gate that open review cases, indexed for search."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from scrm.archive.search.indexer import index_new_messages
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.dashboards.services import compute_rm_daily_metrics
from scrm.db import db
from scrm.directory.models import Department, Staff

DESKTOP = {"width": 1366, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PROMISE = "王女士，这款理财保本保收益，穩賺不賠💰"
_DASHBOARD_BANK = Path(__file__).resolve().parents[1] / "dashboards" / "dashboard_bank.py"


def _dashboard_bank():
    spec = importlib.util.spec_from_file_location("console_dashboard_bank", _DASHBOARD_BANK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_console_bank(sim) -> dict:
    """Everything above, committed; returns the people, groups and the promise's message id."""
    source = _dashboard_bank()
    bank = source.make_everything()
    for day in (source.D1, source.D2):
        compute_rm_daily_metrics(day)
    for department in db.session.query(Department).order_by(Department.id):
        sim.add_department(department.id, department.name, parent_id=department.parent_id)
    for staff in db.session.query(Staff):
        sim.add_user(staff.userid, staff.name, [staff.department_id])
    promise = send_through_gate(PROMISE, source.WANG)
    return bank | {"promise": promise, "D1": source.D1, "D2": source.D2}


def send_through_gate(text: str, customer: str, sender: str = "lin.xiaomei") -> int:
    """A sidebar send through the real gate, archived and indexed; returns its id."""
    result = submit(
        OutboundMessage(
            channel="single",
            origin="sidebar",
            sender_userid=sender,
            text=text,
            delivery_kind=CLIENT_SEND,
            recipients=[customer],
        )
    )
    db.session.commit()
    index_new_messages()
    db.session.commit()
    return result.archived_message_id


@pytest.fixture
def desk(chromium, live_server, request):
    """A desktop-width browser page that accepts downloads; ``desk.shoot(name)`` saves a
    screenshot to tests/artifacts/."""
    context = chromium.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()

    def shoot(name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        page.screenshot(path=str(ARTIFACTS / f"{test}-{name}.png"), full_page=True)

    page.shoot = shoot
    yield page
    context.close()


def sign_in(page, live_server, userid: str, path: str) -> None:
    """``userid`` signs in to the console with WeCom's web login (the simulator's page: they
    pick themselves, as they would scan with their phone) and lands on ``path``."""
    page.goto(f"{live_server.url}/auth/wecom/start?via=qr&next={path}")
    page.locator(f'a[data-userid="{userid}"]').click()
    expect(page.get_by_test_id("console-nav")).to_have_attribute("data-ready", "1")
