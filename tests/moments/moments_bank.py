"""Names, times and helpers the moments tests share (their fixtures are in conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from scrm.outbox.delivery import drain_outbox

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
HQ = "zhao.yunying"
BRANCH = 2
RMS = ("lin.xiaomei", "wang.jianguo", "chen.jing")
CSRF = "csrf-token-for-moments-tests"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def drain() -> dict[str, int]:
    return drain_outbox("moments-test")
