"""What test modules import rather than take as a fixture: the CSRF token of a test client
signed in with the ``sign_in_as`` fixture, polling until something happens, and Shanghai
wall-clock times.

(Fixtures live in conftest.py files; this module holds plain values and functions only.)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
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


ROOT = Path(__file__).resolve().parents[1]


def worker_env(app, database_uri: str, **settings: str) -> dict[str, str]:
    """The environment of a worker process run against the test database and the simulator:
    this checkout's code first, the app's WeCom settings, and ``SCRM_<key>`` for ``settings``."""
    config = app.config
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "SCRM_SQLALCHEMY_DATABASE_URI": database_uri,
        "SCRM_WECOM_CORP_ID": config["WECOM_CORP_ID"],
        "SCRM_WECOM_CONTACT_SECRET": config["WECOM_CONTACT_SECRET"],
        "SCRM_WECOM_AGENT_ID": str(config["WECOM_AGENT_ID"]),
        "SCRM_WECOM_AGENT_SECRET": config["WECOM_AGENT_SECRET"],
        "SCRM_WECOM_API_BASE": config["WECOM_API_BASE"],
        **{f"SCRM_{key}": value for key, value in settings.items()},
    }
