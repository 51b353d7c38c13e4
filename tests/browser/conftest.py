"""Real-browser tests: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's
sync API against the live app and the WeCom simulator.

Chromium missing is a failure that names the fix, never a skip: ``.ci/run`` and the README's
test command install it (``.ci/ensure-chromium``). Screenshots go to ``tests/artifacts/``
(ignored by git) as ``<test>-<name>.png`` at 390 px wide, the width of a phone's sidebar, or at
desktop width for the console.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from dashboard_names import D1, D2
from dashboard_names import WANG as WANG_XIANSHENG
from playwright.sync_api import expect

from scrm.archive.search.indexer import index_new_messages
from scrm.compliance.gateway import CLIENT_SEND, OutboundMessage, submit
from scrm.db import db
from scrm.directory.models import Department, Staff

CHROMIUM = os.environ.get("SCRM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
#: What 林小美 promised 王先生 in the console's bank: the gate warns, a review case opens.
PROMISE = "王女士，这款理财保本保收益，穩賺不賠💰"


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the run."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`.ci/ensure-chromium`, or "
            "`apt-get install -y chromium`), or point SCRM_CHROMIUM at a Chromium binary",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def app_config(app_config, simulator_server):
    """Plain HTTP on loopback (so no Secure cookie), demo mode, and the simulator's pages."""
    return app_config | {
        "SESSION_COOKIE_SECURE": False,
        "DEMO_MODE": True,
        "WECOM_OAUTH_AUTHORIZE_URL": simulator_server.url + "/connect/oauth2/authorize",
        "WECOM_WEB_LOGIN_URL": simulator_server.url + "/wwlogin/sso/login",
    }


#: Puts every Content-Security-Policy violation of a page on its console, where
#: :func:`watch_policy` collects it (Chromium also logs one line per refusal itself).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " refused " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def watch_policy(context) -> list[str]:
    """The list every CSP violation in ``context``'s pages is added to, as it happens."""
    seen: list[str] = []
    context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message) -> None:
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or text.startswith("CSP violation")
        ):
            seen.append(text)

    context.on("console", on_console)
    return seen


def assert_no_violations(seen: list[str]) -> None:
    """Every screen the browser tests open runs under the policy without a refusal."""
    assert seen == [], f"Content-Security-Policy violations: {seen}"


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) at phone width, opened on nothing yet; a test
    whose pages break the Content-Security-Policy fails (``page.csp_violations``)."""
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    seen = watch_policy(context)
    page = context.new_page()
    page.csp_violations = seen
    yield page
    context.close()
    assert_no_violations(seen)


@pytest.fixture
def screenshot(request, page):
    """``screenshot(name)``: save the page as tests/artifacts/<test>-<name>.png at 390 px."""

    def shoot(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        path = ARTIFACTS / f"{test}-{name}.png"
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def console_page(chromium, live_server, request):
    """``console_page(userid, path, viewport=DESKTOP)``: a new browser context (downloads
    accepted) signed in as ``userid`` through the WeCom simulator's QR sign-in, on ``path``
    once the console's nav is ready; ``page.shoot(name)`` saves tests/artifacts/<test>-<name>.png.
    A test whose pages break the Content-Security-Policy fails (``page.csp_violations``).
    """
    contexts = []
    seen_in: list[list[str]] = []

    def open_as(userid: str, path: str, viewport: dict = DESKTOP):
        context = chromium.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = watch_policy(context)
        seen_in.append(page.csp_violations)

        def shoot(name: str) -> None:
            ARTIFACTS.mkdir(exist_ok=True)
            test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            page.screenshot(path=str(ARTIFACTS / f"{test}-{name}.png"), full_page=True)

        page.shoot = shoot
        # WeCom's web login (the simulator's page): they pick themselves, as they would scan.
        page.goto(f"{live_server.url}/auth/wecom/start?via=qr&next={path}")
        page.locator(f'a[data-userid="{userid}"]').click()
        expect(page.get_by_test_id("console-nav")).to_have_attribute("data-ready", "1")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert_no_violations([line for seen in seen_in for line in seen])


@pytest.fixture
def send_through_gate(app_ctx):
    """``send_through_gate(text, customer, sender="lin.xiaomei")``: a sidebar send through the
    real gate, archived and indexed for search; returns the archived message's id."""

    def send(text: str, customer: str, sender: str = "lin.xiaomei") -> int:
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

    return send


@pytest.fixture
def console_bank(dashboard_bank, sim, send_through_gate) -> dict:
    """The dashboards' bank (tests/conftest.py: every role, two days of metrics, rolled up),
    its departments and members in the WeCom simulator so each can sign in, and 林小美's
    PROMISE to 王先生 sent through the real gate (a review case), indexed for search."""
    for department in db.session.query(Department).order_by(Department.id):
        sim.add_department(department.id, department.name, parent_id=department.parent_id)
    for staff in db.session.query(Staff):
        sim.add_user(staff.userid, staff.name, [staff.department_id])
    promise = send_through_gate(PROMISE, WANG_XIANSHENG)
    return dashboard_bank | {"promise": promise, "promise_text": PROMISE, "D1": D1, "D2": D2}
