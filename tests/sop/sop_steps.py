"""SOP template steps in the shape the template parser publishes, and the tests' Monday (the
SOP tests' bank and templates are fixtures in conftest.py)."""

from __future__ import annotations

from datetime import date

MONDAY = date(2026, 3, 2)


def day_step(step_id: str, day: int, at: str, *, role: str = "理财经理", **extra) -> dict:
    return _step(step_id, {"type": "day", "day": day, "time": at}, role, **extra)


def cron_step(step_id: str, days: list[str], at: str, *, role: str = "理财经理", **extra) -> dict:
    return _step(step_id, {"type": "cron", "days": days, "time": at}, role, **extra)


def event_step(step_id: str, event: str, *, delay_minutes: int = 0, **extra) -> dict:
    trigger = {"type": "event", "event": event, "delay_minutes": delay_minutes}
    return _step(step_id, trigger, "群主", **extra)


def _step(step_id, trigger, role, *, policy="late", grace=120, mode="todo") -> dict:
    return {
        "id": step_id,
        "trigger": trigger,
        "role": role,
        "mode": mode,
        "content": {"text": "早安！今日市场速递：沪深300小幅上涨，理财有风险，投资需谨慎。"},
        "catch_up": {"policy": policy, "grace_minutes": grace},
        "grace_minutes": 60,
        "locked": False,
    }
