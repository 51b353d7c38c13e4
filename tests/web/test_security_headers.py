"""Every answer carries the browser's security headers: no MIME sniffing, no framing, no
referrer beyond our origin, and a Content-Security-Policy that lets pages run only our own
scripts and styles. The session cookie is HttpOnly and SameSite=Lax always, and Secure over
HTTPS — also behind the bank's TLS proxy when the proxy is trusted, never on a forged header.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scrm import create_app
from scrm.db import db

SCRM = Path(__file__).resolve().parents[2] / "scrm"
WECOM_AVATARS = "https://wework.qpic.cn"

#: An HTML page, a JSON answer, an error, a static file, a vendor file and the callback.
PATHS = [
    "/",
    "/console/login",
    "/healthz",
    "/api/session",
    "/api/customers/wmNobody",
    "/static/web/scrm.js",
    "/vendor/weui.css",
    "/wecom/callback",
    "/no/such/page",
]


def policy_of(answer) -> dict[str, list[str]]:
    """An answer's (or its headers') Content-Security-Policy as {directive: [sources]}."""
    headers = getattr(answer, "headers", answer)
    header = headers.get("Content-Security-Policy", "")
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(client, path):
    with client.get(path) as answer:
        headers = answer.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", path
    assert policy_of(headers).get("frame-ancestors") == ["'none'"], path


def test_pages_may_run_only_our_own_scripts_and_styles(client):
    policy = policy_of(client.get("/console/login"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"][:2] == ["'self'", "data:"]
    assert WECOM_AVATARS in policy["img-src"]  # customer and staff avatars from WeCom
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_a_bank_adds_its_own_hosts_to_the_policy_in_config(app_config, sim):
    app = create_app(
        app_config
        | {
            "CSP_IMG_HOSTS": ["https://img.example-bank.cn"],
            "CSP_EXTRA_SOURCES": {"connect-src": ["https://apm.example-bank.cn"]},
        }
    )
    try:
        policy = policy_of(app.test_client().get("/console/login"))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert policy["img-src"] == ["'self'", "data:", "https://img.example-bank.cn"]
    assert policy["connect-src"] == ["'self'", "https://apm.example-bank.cn"]


def test_templates_hold_no_inline_script_style_or_event_handler():
    # The policy refuses them, so a page that had one would silently lose it.
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    offenders = [
        f"{path.relative_to(SCRM)}: {match.group(0)}"
        for path in SCRM.rglob("*.html")
        if "node_modules" not in path.parts  # npm packages' own examples are not served
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _session_cookie(answer) -> str:
    cookies = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, answer.headers
    return cookies[-1]


def _flags(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def _redirect_uri(answer) -> str:
    return parse_qs(urlsplit(answer.headers["Location"]).query)["redirect_uri"][0]


def test_the_session_cookie_is_secure_httponly_and_lax_by_default(client):
    answer = client.get("/auth/wecom/start")  # remembers the sign-in state in the session
    flags = _flags(_session_cookie(answer))
    assert {"secure", "httponly", "samesite=lax"} <= flags


@pytest.fixture
def plain_http_app(app_config, sim):
    """``plain_http_app(**settings)``: an app whose config turns the always-Secure cookie off
    (as the demo does on loopback), so only HTTPS itself can make it Secure."""
    built = []

    def make(**settings):
        app = create_app(app_config | {"SESSION_COOKIE_SECURE": False} | settings)
        built.append(app)
        return app

    yield make
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


FORWARDED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "scrm.example-bank.cn",
    "X-Forwarded-For": "10.8.0.23",
}


def test_behind_the_banks_tls_proxy_the_cookie_is_secure_and_wecom_returns_to_https(
    plain_http_app,
):
    app = plain_http_app(TRUSTED_PROXY_COUNT=1)
    answer = app.test_client().get("/auth/wecom/start", headers=FORWARDED)
    assert {"secure", "httponly", "samesite=lax"} <= _flags(_session_cookie(answer))
    assert _redirect_uri(answer) == "https://scrm.example-bank.cn/auth/wecom/callback"


def test_a_forged_forwarded_proto_is_ignored_when_no_proxy_is_trusted(plain_http_app):
    app = plain_http_app()  # TRUSTED_PROXY_COUNT = 0, the default
    answer = app.test_client().get("/auth/wecom/start", headers=FORWARDED)
    flags = _flags(_session_cookie(answer))
    assert "secure" not in flags and {"httponly", "samesite=lax"} <= flags
    assert _redirect_uri(answer) == "http://localhost/auth/wecom/callback"


def test_plain_https_makes_the_cookie_secure_even_with_the_setting_off(plain_http_app):
    answer = plain_http_app().test_client().get("/auth/wecom/start", base_url="https://localhost")
    assert "secure" in _flags(_session_cookie(answer))
