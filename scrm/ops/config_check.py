"""``scrm check-config``: every setting checked, each problem named with where to find the fix.

Checks are plain functions returning :class:`Finding` rows, so the CLI, tests and (later) a
console page read the same verdicts.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

from flask import Flask

from scrm import config as defaults
from scrm.secret_key import HOW_TO_MAKE_ONE, secret_key_problem

OK, WARN, ERROR = "OK", "WARN", "ERROR"

_WHERE_TO_SET = "set it in instance/config.py or as the environment variable SCRM_{key}"
# WeCom corp ids are "ww" (or the older "wx") and 16 hex digits; accept any letters and digits
# after the prefix so that test and private-deployment ids pass, but catch pasted names.
_CORP_ID = re.compile(r"^w[wx][0-9A-Za-z]{6,32}$")
_TOKEN = re.compile(r"^[A-Za-z0-9]{1,32}$")


@dataclass(frozen=True)
class Finding:
    """One check's verdict: ``level`` is OK, WARN or ERROR; ``message`` names the fix."""

    level: str
    key: str
    message: str = ""

    def line(self) -> str:
        return f"{self.level:<5} {self.key}" + (f": {self.message}" if self.message else "")


def _value(app: Flask, key: str) -> str:
    value = app.config.get(key)
    return "" if value is None else str(value).strip()


def _missing(key: str, where: str) -> Finding:
    return Finding(ERROR, key, f"missing; {where}; {_WHERE_TO_SET.format(key=key)}")


def check_corp_id(app: Flask) -> Finding:
    key, where = "WECOM_CORP_ID", "copy it from 管理后台 → 我的企业 → 企业信息 → 企业ID"
    value = _value(app, key)
    if not value:
        return _missing(key, where)
    if not _CORP_ID.match(value):
        return Finding(
            ERROR, key, f"{value!r} does not look like a corp id (ww + 16 hex digits); {where}"
        )
    return Finding(OK, key)


def _check_secret(key: str, where: str) -> Callable[[Flask], Finding]:
    def check(app: Flask) -> Finding:
        value = _value(app, key)
        if not value:
            return _missing(key, where)
        if len(value) < 16 or any(c.isspace() for c in value):
            return Finding(
                ERROR, key, f"looks truncated or has spaces ({len(value)} characters); {where}"
            )
        return Finding(OK, key)

    return check


check_contact_secret = _check_secret(
    "WECOM_CONTACT_SECRET",
    "use the Secret of the self-built app listed in 客户联系 → 客户 → API → 可调用接口的应用 "
    "(应用管理 → the app → Secret → 查看)",
)
check_agent_secret = _check_secret(
    "WECOM_AGENT_SECRET", "copy it from 应用管理 → 自建 → the sidebar app → Secret → 查看"
)


def check_agent_id(app: Flask) -> Finding:
    key, where = "WECOM_AGENT_ID", "copy it from 应用管理 → 自建 → the sidebar app → AgentId"
    value = _value(app, key)
    if not value:
        return _missing(key, where)
    if not value.isdigit():
        return Finding(ERROR, key, f"{value!r} is not a whole number; {where}")
    return Finding(OK, key)


_CALLBACK_WHERE = "应用管理 → the app → 接收消息 → 设置API接收"


def check_callback_token(app: Flask) -> Finding:
    key = "WECOM_CALLBACK_TOKEN"
    where = f"copy the Token from {_CALLBACK_WHERE} (or 随机获取 a new one there)"
    value = _value(app, key)
    if not value:
        return _missing(key, where)
    if not _TOKEN.match(value):
        return Finding(ERROR, key, f"must be 1–32 letters or digits ({len(value)} given); {where}")
    return Finding(OK, key)


def check_callback_aes_key(app: Flask) -> Finding:
    key = "WECOM_CALLBACK_AES_KEY"
    where = f"copy the EncodingAESKey from {_CALLBACK_WHERE}"
    value = _value(app, key)
    if not value:
        return _missing(key, where)
    if len(value) != 43:
        return Finding(ERROR, key, f"must be exactly 43 characters ({len(value)} given); {where}")
    try:
        decoded = base64.b64decode(value + "=", validate=True)
    except (binascii.Error, ValueError):
        return Finding(ERROR, key, f"is not base64 (letters, digits, + and / only); {where}")
    if len(decoded) != 32:
        return Finding(ERROR, key, f"does not decode to a 32-byte AES key; {where}")
    return Finding(OK, key)


def check_max_skew(app: Flask) -> Finding:
    key = "WECOM_CALLBACK_MAX_SKEW"
    value = _value(app, key)
    try:
        skew = int(value)
    except ValueError:
        skew = -1
    if skew < 0:
        return Finding(
            ERROR,
            key,
            f"{value!r} is not a whole number of seconds ≥ 0; use e.g. 300 (0 turns the check "
            "off); " + _WHERE_TO_SET.format(key=key),
        )
    if skew == 0:
        return Finding(WARN, key, "0 turns off the replay check on callback timestamps")
    return Finding(OK, key)


#: WeCom accepts a welcome message within this many seconds of the add.
_WELCOME_WINDOW = 20


def _check_claim(key: str) -> Callable[[Flask], Finding]:
    def check(app: Flask) -> Finding:
        value = _value(app, key)
        default = getattr(defaults, key)
        try:
            seconds = float(value)
        except ValueError:
            seconds = 0.0
        if not seconds > 0:
            return Finding(
                ERROR,
                key,
                f"{value!r} is not a number of seconds > 0; use {default} (the default); "
                + _WHERE_TO_SET.format(key=key),
            )
        try:
            poll = float(_value(app, "WORKER_POLL_INTERVAL"))
        except ValueError:
            poll = float(defaults.WORKER_POLL_INTERVAL)
        if seconds + poll >= _WELCOME_WINDOW:
            return Finding(
                WARN,
                key,
                f"{value}s (+ WORKER_POLL_INTERVAL {poll:g}s) reaches WeCom's {_WELCOME_WINDOW} s "
                "for a welcome message: after a worker dies, the welcome messages it held "
                f"would expire (41051); use {default} (the default)",
            )
        if seconds < 3:
            return Finding(
                WARN,
                key,
                f"{value}s is renewed every {seconds / 3:.1f}s; a database pause that long hands "
                f"rows to another worker, which then redoes them; use {default} (the default)",
            )
        return Finding(OK, key)

    return check


check_inbox_claim = _check_claim("INBOX_CLAIM_SECONDS")
check_outbox_claim = _check_claim("OUTBOX_CLAIM_SECONDS")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_base(app: Flask) -> Finding:
    key = "WECOM_API_BASE"
    value = _value(app, key)
    fix = f"use {defaults.WECOM_API_BASE} (the default) or another base ending in /cgi-bin/"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding(ERROR, key, f"{value!r} is not an http(s) URL; {fix}")
    if not parts.path.endswith("/cgi-bin/"):
        return Finding(ERROR, key, f"{value!r} must end with /cgi-bin/; {fix}")
    if parts.scheme != "https" and not _is_loopback(parts.hostname):
        return Finding(
            WARN, key, f"{value!r} is plain http to another machine: secrets travel unencrypted"
        )
    return Finding(OK, key)


def check_secret_key(app: Flask) -> Finding:
    key = "SECRET_KEY"
    problem = secret_key_problem(app.config.get(key))
    if problem is None:
        return Finding(OK, key)
    message = f"{problem.removeprefix('SECRET_KEY ')}; the web refuses to start; {HOW_TO_MAKE_ONE}"
    if app.debug or app.testing:
        return Finding(WARN, key, f"{message} (fine for debug and tests only)")
    return Finding(ERROR, key, message)


def check_trusted_proxy_count(app: Flask) -> Finding:
    key = "TRUSTED_PROXY_COUNT"
    value = app.config.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return Finding(
            ERROR,
            key,
            f"{value!r} must be a whole number ≥ 0: how many reverse proxies in front of scrm "
            "set X-Forwarded-For/-Proto/-Host (0 trusts none; no proxy is trusted until fixed)",
        )
    return Finding(OK, key)


def check_content_security_policy(app: Flask) -> Iterator[Finding]:
    """``CSP_IMG_HOSTS`` and ``CSP_EXTRA_SOURCES``: well formed, and no unsafe script source."""
    from scrm.web.security import source_problems

    img_hosts, extra = app.config.get("CSP_IMG_HOSTS"), app.config.get("CSP_EXTRA_SOURCES")
    problems = source_problems(img_hosts, extra)
    for key in ("CSP_IMG_HOSTS", "CSP_EXTRA_SOURCES"):
        mine = [p.removeprefix(f"{key}: ") for p in problems if p.startswith(key)]
        if mine:
            fix = "; a source is one word such as https://img.example-bank.cn"
            yield Finding(ERROR, key, "; ".join(mine) + fix)
        elif key == "CSP_EXTRA_SOURCES" and any(
            "unsafe" in str(source) for source in (extra or {}).get("script-src", ())
        ):
            yield Finding(
                WARN,
                key,
                "script-src with 'unsafe-inline' or 'unsafe-eval' lets injected script run; "
                "scrm needs neither — remove it",
            )
        else:
            yield Finding(OK, key)


SETTING_CHECKS: tuple[Callable[[Flask], Finding], ...] = (
    check_corp_id,
    check_contact_secret,
    check_agent_id,
    check_agent_secret,
    check_callback_token,
    check_callback_aes_key,
    check_max_skew,
    check_api_base,
    check_secret_key,
    check_inbox_claim,
    check_outbox_claim,
    check_trusted_proxy_count,
)


def check_settings(app: Flask) -> Iterator[Finding]:
    """Every setting's verdict, in the order an administrator fills them in."""
    for check in SETTING_CHECKS:
        yield check(app)
    yield from check_content_security_policy(app)
    from scrm.ops.database_check import check_database

    yield from check_database(app)
