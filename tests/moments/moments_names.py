"""Who is who, and when, in the moments tests' bank (the ``moments_bank`` fixture)."""

from __future__ import annotations

from datetime import date, datetime

from helpers import shanghai

DAY = date(2026, 3, 2)
HQ = "zhao.yunying"
BRANCH = 2
RMS = ("lin.xiaomei", "wang.jianguo", "chen.jing")


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """``hour:minute`` in Shanghai on ``day`` (the tests' Monday unless told)."""
    return shanghai(day, hour, minute)
