"""The demo's web entry points: a sidebar link that opens as a chosen demo RM beside one of
their customers (with the demo stand-in for the WeCom JS bridge), and the console.

A link signs in as a chosen member the way WeCom does, with no demo knowledge in scrm: it first
opens the simulator's stand-in for the WeCom client as that member, then scrm's ordinary
sign-in, whose WeCom page (the simulator's, configured as WeCom's would be) signs in whoever
is using the client.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask

from scrm.db import commits
from scrm.demo.seed import BRANCHES, HQ_OPS_USERID, DemoBank
from scrm.wecom.simulator.api_oauth import OPEN_IN_WECOM_PATH


def announce_web(app: Flask, bank: DemoBank, address: str, echo: Callable[[str], None]) -> None:
    """Point sign-in at the simulator's WeCom pages, turn on demo mode, print the two URLs.

    Demo mode lets a sidebar page use the marked stand-in for the WeCom JS bridge (?demo=1);
    plain HTTP on loopback means no Secure cookie. Each link is a :func:`sign_in_link`.
    """
    simulator = _simulator_url(app)
    app.config.update(
        DEMO_MODE=True,
        SESSION_COOKIE_SECURE=False,
        WECOM_OAUTH_AUTHORIZE_URL=f"{simulator}/connect/oauth2/authorize",
        WECOM_WEB_LOGIN_URL=f"{simulator}/wwlogin/sso/login",
    )
    seed_sidebar_library(echo)
    rm = bank.rms[0]
    customer = next((eid for (userid, eid) in sorted(bank.follows) if userid == rm), "")
    sidebar = "/sidebar/app/?" + urlencode(
        {"demo": 1, "entry": "single_chat_tools", "external_userid": customer}
    )
    echo(f"sidebar (as demo RM {rm}, 演示模式): {sign_in_link(app, address, rm, sidebar)}")
    for who, userid, page in (
        ("HQ ops", HQ_OPS_USERID, "/console/dashboards"),
        ("compliance", "xhcompliance01", "/console/review"),
        (
            "branch lead",
            sorted(u for u, r in bank.roles.items() if "branch_lead" in r)[0],
            "/console/dashboards",
        ),
    ):
        link = sign_in_link(app, address, userid, page, qr=True)
        echo(f"console as {who} {userid} (WeCom QR login): {link}")
    echo(
        f"console with a local admin account: {address}/console/login "
        "(create one with `flask --app app scrm create-admin`)"
    )


def sign_in_link(app: Flask, address: str, userid: str, next_path: str, *, qr: bool = False) -> str:
    """A link that signs demo member ``userid`` in to scrm at ``address`` and opens ``next_path``.

    :param qr: the console's WeCom web login (扫码登录) rather than the sidebar's OAuth.
    """
    query = {"via": "qr", "next": next_path} if qr else {"next": next_path}
    start = f"{address}/auth/wecom/start?{urlencode(query)}"
    opened = urlencode({"userid": userid, "url": start})
    return f"{_simulator_url(app)}{OPEN_IN_WECOM_PATH}?{opened}"


def _simulator_url(app: Flask) -> str:
    return app.config["WECOM_API_BASE"].removesuffix("/").removesuffix("/cgi-bin")


@commits
def seed_sidebar_library(echo: Callable[[str], None]) -> None:
    """Import the shipped script library (话术库) and give each demo branch an address, so
    the sidebar's scripts come filled ({网点地址}). Safe to rerun."""
    from sqlalchemy import select

    from scrm.db import db
    from scrm.sidebar.library_yaml import SEED_FILE, import_library
    from scrm.sidebar.models import BranchAddress

    counts = import_library(SEED_FILE, by=HQ_OPS_USERID)
    for number, (branch_id, (branch_name, _)) in enumerate(sorted(BRANCHES.items()), 1):
        if db.session.scalar(select(BranchAddress).where(BranchAddress.department_id == branch_id)):
            continue
        address = f"星河大道 {number * 100} 号星河银行{branch_name}营业部（演示地址）"
        db.session.add(BranchAddress(department_id=branch_id, address=address))
    echo(
        f"script library: {counts['scripts_added']} scripts added, "
        f"{counts['scripts_changed']} refreshed (flask --app app scrm sidebar import-scripts)"
    )
