"""When an SOP step is due: pure functions from a step's trigger to its occurrences.

An occurrence is named by its local due time (``2026-11-23T08:30``), so the same step on the
same day always has the same key, whichever worker computes it and however late. Local times
become UTC through :mod:`zoneinfo`: a time that does not exist (a spring-forward gap) is read
with the offset before the change, so it falls just after the gap; a time that happens twice
(fall back) is the first of the two. Asia/Shanghai has neither, other zones may.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = "day"  # day N of the group's SOP (day 1 = the start date) at a time of day
CRON = "cron"  # every listed weekday at a time of day
EVENT = "event"  # a member joined, the group was created, N days without activity

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Occurrence keys must fit ``SopTask.occurrence``.
OCCURRENCE_MAX = 32


class ScheduleError(ValueError):
    """A step whose trigger cannot be scheduled; the message names the fix."""


def due_time(step: dict) -> time:
    """The local time of day of a day or cron step (``"09:30"``)."""
    text = str(step["trigger"].get("time", ""))
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ScheduleError(
            f'step "{step.get("key")}": time "{text}" is not a time of day; write it as "HH:MM"'
        ) from None


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (fold 0: see the module docstring)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def occurrence_key(day: date, at: time) -> str:
    """The key of an occurrence at a local date and time, e.g. ``2026-11-23T08:30``."""
    return f"{day.isoformat()}T{at:%H:%M}"


def occurrences(
    step: dict, start_date: date, tz: ZoneInfo, window_start: datetime, window_end: datetime
) -> list[tuple[str, datetime]]:
    """Every occurrence of a day or cron step due in ``(window_start, window_end]``.

    :param step: a normalised template step (see ``scrm.sop.templates.loader``).
    :param start_date: the assignment's first day (day 1), in its time zone.
    :param tz: the assignment's time zone.
    :param window_start: exclusive lower bound, aware.
    :param window_end: inclusive upper bound, aware.
    :return: ``(occurrence_key, due_at_utc)`` pairs in time order; event steps have none.
    :raise ScheduleError: the trigger is malformed.
    """
    trigger = step.get("trigger") or {}
    kind = trigger.get("type")
    if kind == EVENT:
        return []
    if kind not in (DAY, CRON):
        raise ScheduleError(
            f'step "{step.get("key")}": trigger type "{kind}" is unknown; use day, cron or event'
        )
    if window_end <= window_start:
        return []
    at = due_time(step)
    if kind == DAY:
        day_number = int(trigger.get("day", 0))
        if day_number < 1:
            raise ScheduleError(
                f'step "{step.get("key")}": day {day_number} is before the start; day 1 is '
                "the start date"
            )
        days = [start_date + timedelta(days=day_number - 1)]
    else:
        days = _cron_days(step, start_date, tz, window_start, window_end)
    found = []
    for day in days:
        due = local_to_utc(day, at, tz)
        if window_start < due <= window_end:
            found.append((occurrence_key(day, at), due))
    return found


def _cron_days(
    step: dict, start_date: date, tz: ZoneInfo, window_start: datetime, window_end: datetime
) -> list[date]:
    wanted = set()
    for name in step["trigger"].get("days") or ():
        name = str(name).lower()[:3]
        if name not in WEEKDAYS:
            raise ScheduleError(
                f'step "{step.get("key")}": "{name}" is not a weekday; use mon … sun'
            )
        wanted.add(WEEKDAYS.index(name))
    if not wanted:
        raise ScheduleError(f'step "{step.get("key")}": a cron step needs days, e.g. [mon, wed]')
    # One day of margin each side: the window is in UTC, the weekdays are local.
    first = max(start_date, window_start.astimezone(tz).date() - timedelta(days=1))
    last = window_end.astimezone(tz).date() + timedelta(days=1)
    days = []
    day = first
    while day <= last:
        if day.weekday() in wanted:
            days.append(day)
        day += timedelta(days=1)
    return days


def event_occurrence(step: dict, event_time: datetime, subject: str = "") -> tuple[str, datetime]:
    """The occurrence of an event step for one event.

    :param step: a step whose trigger is ``{"type": "event", "event": …, "days": N,
        "delay_minutes": M}``.
    :param event_time: when the event happened, aware.
    :param subject: what the event is about, e.g. the member's userid; hashed into the key so
        the key stays short and holds no customer id in clear.
    :return: ``(occurrence_key, due_at_utc)``; the key is ``<event>:<subject hash>:<epoch>``.
    """
    trigger = step.get("trigger") or {}
    if trigger.get("type") != EVENT:
        raise ScheduleError(f'step "{step.get("key")}" is not an event step')
    due = event_time.astimezone(UTC) + timedelta(
        days=int(trigger.get("days") or 0), minutes=int(trigger.get("delay_minutes") or 0)
    )
    prefix = {"member_joined": "joined", "group_created": "created"}.get(
        trigger.get("event"), str(trigger.get("event"))[:10]
    )
    stamp = int(event_time.timestamp())
    if subject:
        digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:10]
        key = f"{prefix}:{digest}:{stamp}"
    else:
        key = f"{prefix}:{stamp}"
    return key[:OCCURRENCE_MAX], due


def local_day_bounds(day: date, tz: str | ZoneInfo = "Asia/Shanghai") -> tuple[datetime, datetime]:
    """The UTC instants at which the local ``day`` begins and the next day begins."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
