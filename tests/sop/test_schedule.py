"""When SOP steps fall due: day offsets, weekday recurrences and events, in the group's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scrm.sop.tasks.schedule import ScheduleError, event_occurrence, occurrences

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 3, 2)


def step(trigger: dict, key: str = "morning_brief/brief") -> dict:
    return {"id": key.split("/")[1], "key": key, "trigger": trigger, "role": "理财经理"}


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_morning_brief_at_0830_shanghai_is_due_at_0030_utc():
    brief = step({"type": "cron", "days": ["mon", "tue", "wed", "thu", "fri"], "time": "08:30"})
    found = occurrences(brief, MONDAY, SHANGHAI, utc(2026, 3, 1, 0), utc(2026, 3, 2, 23))
    assert found == [("2026-03-02T08:30", utc(2026, 3, 2, 0, 30))]


def test_weekday_brief_skips_the_weekend_and_days_before_the_start():
    brief = step({"type": "cron", "days": ["mon", "tue", "wed", "thu", "fri"], "time": "08:30"})
    found = occurrences(brief, MONDAY, SHANGHAI, utc(2026, 2, 20), utc(2026, 3, 9, 1))
    assert [key for key, _ in found] == [
        "2026-03-02T08:30",
        "2026-03-03T08:30",
        "2026-03-04T08:30",
        "2026-03-05T08:30",
        "2026-03-06T08:30",
        "2026-03-09T08:30",
    ]


def test_wednesday_salon_evening_crosses_into_the_same_utc_day():
    salon = step({"type": "cron", "days": ["wed"], "time": "20:00"}, "wealth_salon/salon")
    found = occurrences(salon, MONDAY, SHANGHAI, utc(2026, 3, 2), utc(2026, 3, 12))
    assert found == [
        ("2026-03-04T20:00", utc(2026, 3, 4, 12)),
        ("2026-03-11T20:00", utc(2026, 3, 11, 12)),
    ]


def test_day_three_welcome_is_due_once_on_the_third_day():
    welcome = step({"type": "day", "day": 3, "time": "09:30"}, "new_customer_welcome/day3")
    due = utc(2026, 3, 4, 1, 30)
    assert occurrences(welcome, MONDAY, SHANGHAI, utc(2026, 3, 1), utc(2026, 4, 1)) == [
        ("2026-03-04T09:30", due)
    ]
    # The window is (start, end]: due exactly at the end counts, exactly at the start does not.
    assert occurrences(welcome, MONDAY, SHANGHAI, due - timedelta(seconds=1), due) != []
    assert occurrences(welcome, MONDAY, SHANGHAI, due, due + timedelta(hours=1)) == []


def test_windows_split_anywhere_find_every_occurrence_exactly_once():
    brief = step({"type": "cron", "days": ["mon", "wed", "fri"], "time": "08:30"})
    whole = occurrences(brief, MONDAY, SHANGHAI, utc(2026, 3, 1), utc(2026, 4, 1))
    pieces, start = [], utc(2026, 3, 1)
    while start < utc(2026, 4, 1):
        end = min(start + timedelta(hours=7, minutes=13), utc(2026, 4, 1))
        pieces += occurrences(brief, MONDAY, SHANGHAI, start, end)
        start = end
    assert pieces == whole and len(whole) == 13


def test_new_york_brief_keeps_its_local_time_across_daylight_saving():
    new_york = ZoneInfo("America/New_York")
    brief = step({"type": "cron", "days": ["fri", "mon"], "time": "08:30"})
    found = dict(occurrences(brief, date(2026, 3, 6), new_york, utc(2026, 3, 5), utc(2026, 3, 10)))
    assert found["2026-03-06T08:30"] == utc(2026, 3, 6, 13, 30)  # EST, UTC−5
    assert found["2026-03-09T08:30"] == utc(2026, 3, 9, 12, 30)  # EDT, UTC−4


def test_a_time_in_the_spring_forward_gap_still_happens_once():
    new_york = ZoneInfo("America/New_York")
    night = step({"type": "day", "day": 1, "time": "02:30"})
    found = occurrences(night, date(2026, 3, 8), new_york, utc(2026, 3, 7), utc(2026, 3, 9))
    assert found == [("2026-03-08T02:30", utc(2026, 3, 8, 7, 30))]  # = 03:30 EDT


def test_member_joined_step_is_due_after_its_delay_with_a_short_key():
    welcome = step({"type": "event", "event": "member_joined", "delay_minutes": 5})
    joined = utc(2026, 3, 2, 2, 0, 7)
    key, due = event_occurrence(welcome, joined, "wmZhang0000000000000000000000001")
    assert due == joined + timedelta(minutes=5)
    assert key.startswith("joined:") and key.endswith(str(int(joined.timestamp())))
    assert len(key) <= 32 and "wmZhang" not in key
    again, _ = event_occurrence(welcome, joined, "wmZhang0000000000000000000000001")
    other, _ = event_occurrence(welcome, joined, "wmLi00000000000000000000000000002")
    assert again == key and other != key
    assert occurrences(welcome, MONDAY, SHANGHAI, utc(2026, 3, 1), utc(2026, 4, 1)) == []


@pytest.mark.parametrize(
    ("trigger", "fix"),
    [
        ({"type": "day", "day": 1, "time": "9点半"}, 'write it as "HH:MM"'),
        ({"type": "day", "day": 1, "time": "25:00"}, 'write it as "HH:MM"'),
        ({"type": "day", "day": 0, "time": "09:30"}, "day 1 is the start date"),
        ({"type": "cron", "days": ["星期三"], "time": "20:00"}, "use mon … sun"),
        ({"type": "cron", "days": [], "time": "20:00"}, "needs days"),
        ({"type": "hourly"}, "use day, cron or event"),
    ],
)
def test_a_malformed_trigger_names_the_fix(trigger, fix):
    with pytest.raises(ScheduleError, match=fix):
        occurrences(step(trigger), MONDAY, SHANGHAI, utc(2026, 3, 1), utc(2026, 3, 9))
