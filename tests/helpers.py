"""What test modules import rather than take as a fixture: the CSRF token of a test client
signed in with the ``sign_in_as`` fixture, polling until something happens, and Shanghai
wall-clock times.

(Fixtures live in conftest.py files; this module holds plain values and functions only.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: The CSRF token ``sign_in_as`` puts in the session; API writes send it as a header.
CSRF_TOKEN = "csrf-token-for-tests"
CSRF_HEADERS = {"X-CSRF-Token": CSRF_TOKEN}

SHANGHAI = ZoneInfo("Asia/Shanghai")


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.02
) -> bool:
    """Poll ``predicate`` until it is true; False if it never became true in ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def shanghai(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Shanghai wall-clock time as an aware UTC instant."""
    local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)
    return local.astimezone(UTC)
