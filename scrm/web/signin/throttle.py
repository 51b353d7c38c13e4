"""The sign-in throttle: how often one client address may fail the local console sign-in.

Flask-Limiter counts failed posts of the form per address (``LOGIN_RATE_LIMIT``, stored at
``RATELIMIT_STORAGE_URI``); past the limit the form answers 429 with a page that says when to
try again. It complements the per-account lock in :mod:`scrm.web.signin.accounts`: the lock
stops guessing one account's password, the throttle stops one address trying many accounts.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: The one limiter; each app binds it with :func:`init_app` (counts live in the app's storage).
limiter = Limiter(key_func=get_remote_address)


def login_rate_limit() -> str:
    """``LOGIN_RATE_LIMIT``, read at each request (so a test or an operator may change it)."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def counts_as_failure(response: Response) -> bool:
    """Only refused sign-ins count; a right password never uses up the address's tries."""
    return response.status_code >= 400


def retry_after_seconds() -> int:
    """Seconds until this address may try again (at least 1)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def too_many_attempts_message(seconds: int) -> str:
    """The 429 page's words: when to try again, in Shanghai time."""
    zone = ZoneInfo(current_app.config["SCRM_TIMEZONE"])
    at = datetime.fromtimestamp(time.time() + seconds, UTC).astimezone(zone)
    return (
        f"登录尝试过于频繁，请在 {at:%H:%M:%S}（约 {seconds} 秒）后再试。"
        f" (Too many failed sign-ins from this address; try again after {at:%H:%M:%S}, in "
        f"about {seconds} seconds.)"
    )


def init_app(app: Flask) -> None:
    """Bind the limiter to ``app`` with its storage (memory:// unless configured)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "scrm")
    limiter.init_app(app)
