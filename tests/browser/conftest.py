"""Real-browser tests: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's
sync API against the live app and the WeCom simulator.

Chromium missing is a failure that names the fix, never a skip: ``.ci/run`` and the README's
test command install it (``.ci/ensure-chromium``). Screenshots go to ``tests/artifacts/``
(ignored by git) as ``<test>-<name>.png`` at 390 px wide, the width of a phone's sidebar.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SCRM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 390, "height": 844}


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


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) at phone width, opened on nothing yet."""
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


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
