"""One SOP step as the author writes it → the normalised step the SOP clock reads.

The normalised step (stored in ``SopTemplate.steps``)::

    {"id", "key": "<template>/<id>", "trigger", "role", "mode", "content",
     "checkin" (mode checkin only), "catch_up": {"policy", "grace_minutes"},
     "grace_minutes", "locked"}

Every problem is collected with its line; a step with problems normalises to ``None``.
"""

from __future__ import annotations

import re
from typing import Any

from scrm.sop.models import CHECKIN, MODES
from scrm.sop.templates.content import CONTENT_KINDS, read_content
from scrm.sop.templates.yaml_lines import LineMapping, StepContext, suggest, whole_number

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_SETS = {"weekdays": WEEKDAYS[:5], "weekend": WEEKDAYS[5:], "daily": WEEKDAYS}
EVENTS = ("member_joined", "group_created", "inactive")  # 入群, 建群, N 天无人发言
CATCH_UP_POLICIES = ("late", "skip")  # run late within the grace window, or skip and record
STEP_KEYS = (
    "id", "trigger", "role", "mode", "text", *CONTENT_KINDS,
    "checkin", "catch_up", "grace_minutes", "locked",
)  # fmt: skip
DEFAULT_GRACE_MINUTES = 60
DEFAULT_CATCH_UP_GRACE_MINUTES = 120
MAX_WINDOW_MINUTES = 7 * 24 * 60
_STEP_ID = re.compile(r"^[a-z0-9_]{1,64}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def normalise_step(raw: Any, line: int, ctx: StepContext) -> dict | None:
    """Check one authored step and return its normalised form, or None if it has problems.

    :param raw: the step mapping as read from YAML.
    :param line: the line of the step in its file.
    :param ctx: the template's roles, the library refs, and the problem list to append to.
    """
    before = len(ctx.problems)
    if not isinstance(raw, LineMapping):
        ctx.error(line, "a step is a mapping with id, trigger, role, mode and content")
        return None
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not _STEP_ID.match(step_id):
        ctx.error(
            raw.line_of("id"),
            f"step id {step_id!r} must be lowercase letters, digits and _ (e.g. day1_welcome)",
        )
        return None
    name = f'step "{step_id}"'
    for key in raw:
        if key not in STEP_KEYS:
            ctx.error(
                raw.line_of(key), f"{name} has unknown key {key!r}; {suggest(key, STEP_KEYS)}"
            )
    trigger = _trigger(raw, name, ctx)
    role = raw.get("role")
    if not isinstance(role, str) or role not in ctx.roles:
        ctx.error(
            raw.line_of("role"),
            f"{name} role {role!r} is not in roles ({', '.join(ctx.roles)}); "
            "add it to roles or use one of them",
        )
    mode = raw.get("mode")
    if mode not in MODES:
        ctx.error(raw.line_of("mode"), f"{name} mode {mode!r} is unknown; {suggest(mode, MODES)}")
    content = read_content(raw, name, ctx)
    checkin = _checkin(raw, name, mode, ctx)
    catch_up = _catch_up(raw, name, ctx)
    grace = raw.get("grace_minutes", DEFAULT_GRACE_MINUTES)
    if whole_number(grace, 0) is None:
        ctx.error(raw.line_of("grace_minutes"), f"{name} grace_minutes must be minutes, e.g. 60")
    locked = raw.get("locked", False)
    if not isinstance(locked, bool):
        ctx.error(raw.line_of("locked"), f"{name} locked must be true or false")
    if len(ctx.problems) > before:
        return None
    step = {
        "id": step_id,
        "key": f"{ctx.template}/{step_id}",
        "trigger": trigger,
        "role": role,
        "mode": mode,
        "content": content,
        "catch_up": catch_up,
        "grace_minutes": grace,
        "locked": locked,
    }
    if checkin is not None:
        step["checkin"] = checkin
    return step


def _time(trigger: LineMapping, name: str, ctx: StepContext) -> str | None:
    value = trigger.get("time")
    match = _TIME.match(value) if isinstance(value, str) else None
    if match and int(match[1]) <= 23 and int(match[2]) <= 59:
        return f"{int(match[1]):02d}:{match[2]}"
    if value is None:
        ctx.error(trigger.line, f'{name} trigger has no time; add time: "09:30"')
    else:
        ctx.error(
            trigger.line_of("time"),
            f'{name} time {value!r} is not a time of day; write "HH:MM" from "00:00" to "23:59"',
        )
    return None


def _trigger(raw: LineMapping, name: str, ctx: StepContext) -> dict | None:
    trigger = raw.get("trigger")
    if not isinstance(trigger, LineMapping):
        ctx.error(
            raw.line_of("trigger"),
            f'{name} needs a trigger; write e.g. trigger: {{day: 1, time: "09:30"}}, '
            '{every: weekdays, time: "08:30"} or {event: member_joined}',
        )
        return None
    kinds = [kind for kind in ("day", "every", "event") if kind in trigger]
    allowed = {
        "day": ("day", "time"),
        "every": ("every", "time"),
        "event": ("event", "days", "delay_minutes"),
    }
    if len(kinds) != 1:
        what = " and ".join(kinds) if kinds else "none of day, every or event"
        ctx.error(trigger.line, f"{name} trigger has {what}; keep exactly one of them")
        return None
    kind = kinds[0]
    for key in trigger:
        if key not in allowed[kind]:
            ctx.error(
                trigger.line_of(key),
                f"{name} trigger key {key!r} does not apply to a {kind} trigger; "
                f"{suggest(key, allowed[kind])}",
            )
    if kind == "day":
        day = whole_number(trigger["day"], 1)
        if day is None:
            ctx.error(
                trigger.line_of("day"),
                f"{name} day {trigger['day']!r} must be 1 or more (day 1 is the group's start)",
            )
        time = _time(trigger, name, ctx)
        return {"type": "day", "day": day, "time": time}
    if kind == "every":
        days = _weekdays(trigger, name, ctx)
        return {"type": "cron", "days": days, "time": _time(trigger, name, ctx)}
    return _event(trigger, name, ctx)


def _weekdays(trigger: LineMapping, name: str, ctx: StepContext) -> list[str] | None:
    every = trigger["every"]
    if isinstance(every, str) and every in WEEKDAY_SETS:
        return list(WEEKDAY_SETS[every])
    items = [every] if isinstance(every, str) else every
    if not isinstance(items, list) or not items:
        ctx.error(trigger.line_of("every"), f"{name} every must name weekdays, e.g. [mon, wed]")
        return None
    choices = (*WEEKDAYS, *WEEKDAY_SETS)
    bad = [day for day in items if day not in WEEKDAYS]
    for day in bad:
        ctx.error(
            trigger.line_of("every"), f"{name} unknown weekday {day!r}; {suggest(day, choices)}"
        )
    return None if bad else [day for day in WEEKDAYS if day in items]


def _event(trigger: LineMapping, name: str, ctx: StepContext) -> dict | None:
    event = trigger["event"]
    if event not in EVENTS:
        ctx.error(
            trigger.line_of("event"), f"{name} event {event!r} is unknown; {suggest(event, EVENTS)}"
        )
        return None
    result: dict[str, Any] = {"type": "event", "event": event}
    if event == "inactive":
        days = whole_number(trigger.get("days"), 1)
        if days is None:
            ctx.error(
                trigger.line_of("days"),
                f"{name} inactive needs days: N, the days without a message (1 or more)",
            )
        result["days"] = days
    elif "days" in trigger:
        ctx.error(
            trigger.line_of("days"), f"{name} days applies only to event: inactive; remove it"
        )
    delay = whole_number(trigger.get("delay_minutes", 0), 0)
    if delay is None:
        ctx.error(trigger.line_of("delay_minutes"), f"{name} delay_minutes must be 0 or more")
    result["delay_minutes"] = delay
    return result


def _checkin(raw: LineMapping, name: str, mode: Any, ctx: StepContext) -> dict | None:
    settings = raw.get("checkin")
    if mode != CHECKIN:
        if settings is not None:
            ctx.error(raw.line_of("checkin"), f"{name} checkin applies only to mode: checkin")
        return None
    if not isinstance(settings, LineMapping):
        ctx.error(
            raw.line_of("checkin"),
            f"{name} is a check-in without a keyword and window; "
            "add checkin: {keyword: 打卡, window_minutes: 720}",
        )
        return None
    keyword = settings.get("keyword")
    if not isinstance(keyword, str) or not keyword.strip():
        ctx.error(settings.line_of("keyword"), f"{name} checkin has no keyword; add keyword: 打卡")
    window = whole_number(settings.get("window_minutes"), 1, MAX_WINDOW_MINUTES)
    if window is None:
        ctx.error(
            settings.line_of("window_minutes"),
            f"{name} checkin needs window_minutes from 1 to {MAX_WINDOW_MINUTES} (720 = 12 hours)",
        )
    summary = settings.get("summary", False)
    if not isinstance(summary, bool):
        ctx.error(
            settings.line_of("summary"),
            f"{name} checkin summary must be true or false (post the result to the group?)",
        )
    for key in settings:
        if key not in ("keyword", "window_minutes", "summary"):
            ctx.error(settings.line_of(key), f"{name} checkin has unknown key {key!r}; remove it")
    return {"keyword": keyword, "window_minutes": window, "summary": summary is True}


def _catch_up(raw: LineMapping, name: str, ctx: StepContext) -> dict:
    settings = raw.get("catch_up")
    if settings is None:
        return {"policy": "late", "grace_minutes": DEFAULT_CATCH_UP_GRACE_MINUTES}
    if not isinstance(settings, LineMapping):
        ctx.error(raw.line_of("catch_up"), f"{name} catch_up needs policy: late | skip")
        return {}
    policy = settings.get("policy", "late")
    if policy not in CATCH_UP_POLICIES:
        ctx.error(
            settings.line_of("policy"),
            f"{name} catch_up policy {policy!r} is unknown; {suggest(policy, CATCH_UP_POLICIES)}",
        )
    grace = settings.get("grace_minutes", DEFAULT_CATCH_UP_GRACE_MINUTES)
    if whole_number(grace, 0) is None:
        ctx.error(settings.line_of("grace_minutes"), f"{name} catch_up grace_minutes must be 0+")
    return {"policy": policy, "grace_minutes": grace}
