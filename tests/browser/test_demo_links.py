"""In a real browser: the sign-in links the demo prints open scrm as the members they name,
through the simulator's stand-in for the WeCom client and scrm's ordinary WeCom sign-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from scrm.db import db
from scrm.demo.seed import seed_demo_bank
from scrm.demo.web import announce_web
from scrm.directory.services import get_staff, grant_role
from scrm.sync.services import run_full_sync


@pytest.fixture
def demo_bank(sim, app_ctx):
    """A small demo bank, seeded in the simulator, synced in, its roles granted."""
    bank = seed_demo_bank(sim, customers=12, groups=2, rms_per_sub_branch=1)
    run_full_sync()
    for userid, roles in bank.roles.items():
        for role in roles:
            grant_role(get_staff(userid), role)
    db.session.commit()
    return bank


def test_the_demos_printed_links_sign_in_as_the_demo_rm_and_compliance(
    page, app, live_server, demo_bank, screenshot
):
    lines: list[str] = []
    announce_web(app, demo_bank, live_server.url, lines.append)
    links = {line.split(" (", 1)[0]: line.rsplit(" ", 1)[1] for line in lines if "): http" in line}
    rm = demo_bank.rms[0]
    names = {userid: get_staff(userid).name for userid in (rm, "xhcompliance01")}
    db.session.remove()  # the live server's threads read with their own sessions

    page.goto(links["sidebar"])
    expect(page.get_by_test_id("staff-name")).to_have_text(names[rm])
    expect(page.get_by_test_id("demo-banner")).to_contain_text("演示模式")
    expect(page.get_by_test_id("entry")).to_have_text("单聊工具栏")
    screenshot("demo-sidebar-link")

    # The same browser, another printed link: WeCom is now used by the compliance officer.
    page.goto(links["console as compliance xhcompliance01"])
    expect(page.get_by_test_id("console-nav")).to_have_attribute("data-ready", "1")
    expect(page.get_by_test_id("staff-name")).to_contain_text(names["xhcompliance01"])
    assert page.url.startswith(f"{live_server.url}/console/review")
