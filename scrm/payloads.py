"""What every API reads from a request, read the same way: the JSON body, and the whole
numbers, days and times of a query string or a body, each within the range scrm can hold.

A refusal is a 400 :class:`~scrm.errors.ScrmError` that names the argument and what it may be,
in Chinese and then in English, e.g. ``"after" 须为 0 至 2147483647 的整数 ("after" must be
a whole number from 0 to 2147483647; …)``. Nothing here lets a value through that overflows
Python, SQLite or PostgreSQL later, and :func:`refuse_unstorable_text` keeps out of every
request the characters no database text can hold.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flask import request
from werkzeug.routing import IntegerConverter

from scrm.db import EARLIEST, LATEST
from scrm.errors import ScrmError

#: The largest id or cursor of a table with ``Integer`` ids (PostgreSQL's 32-bit integer).
ID_MAX = 2**31 - 1
#: The largest id or cursor of the archive, whose ids are ``BigInteger`` (signed 64-bit).
BIG_ID_MAX = 2**63 - 1
#: NUL (PostgreSQL text cannot hold it) and lone surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = (
    "请求含有无法保存的字符 (the request holds a NUL character or a lone surrogate, which no "
    "text can hold; remove it)"
)
#: The first and last day a request may name (the range of :data:`scrm.db.EARLIEST`/``LATEST``).
FIRST_DAY, LAST_DAY = EARLIEST.date(), LATEST.date()
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DAYS = f"{FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()}"
_DAYS_EN = f"from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


def json_object(
    message: str = "send a JSON object body", *, optional: bool = False
) -> dict[str, Any]:
    """The request's JSON body, which must be an object.

    :param message: what the 400 answer says otherwise; an API may name its fields there.
    :param optional: a request without a (JSON) body reads as ``{}``.
    :raise ScrmError: 400 when the body is missing, not JSON, or not an object.
    """
    body = request.get_json(silent=True)
    if body is None and optional:
        return {}
    if not isinstance(body, dict):
        raise ScrmError(message)
    return body


def _given(source: Any, name: str) -> Any:
    """``source[name]`` with text stripped; ``None`` when absent or empty."""
    value = source.get(name) if isinstance(source, Mapping) else None
    if isinstance(value, str):
        value = value.strip()
    return None if value in (None, "") else value


def text_field(source: Any, name: str) -> str | None:
    """An optional text field of a JSON body (``None`` when absent or null).

    :raise ScrmError: 400 when it is there but not text (a number, a list, an object).
    """
    value = source.get(name) if isinstance(source, Mapping) else None
    if value is not None and not isinstance(value, str):
        raise ScrmError(f'"{name}" 须为文本 ("{name}" must be text)')
    return value


def text_list(source: Any, name: str) -> list[str]:
    """An optional list of text in a JSON body (``[]`` when absent or null).

    :raise ScrmError: 400 when it is there but not a list of text.
    """
    value = source.get(name) if isinstance(source, Mapping) else None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ScrmError(f'"{name}" 须为文本列表 ("{name}" must be a list of text, e.g. ["a", "b"])')
    return value


def object_list(source: Any, name: str) -> list[dict[str, Any]]:
    """An optional list of JSON objects in a body (``[]`` when absent or null), e.g. the
    attachments of a message.

    :raise ScrmError: 400 when it is there but not a list of objects.
    """
    value = source.get(name) if isinstance(source, Mapping) else None
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ScrmError(
            f'"{name}" 须为对象列表 ("{name}" must be a list of objects, e.g. [{{"msgtype": …}}])'
        )
    return value


def whole_number(
    source: Any,
    name: str,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = ID_MAX,
    hint: str = "",
) -> int | None:
    """``source[name]`` as a whole number from ``minimum`` to ``maximum`` (ids and cursors by
    default: 0 to :data:`ID_MAX`; archive ids up to :data:`BIG_ID_MAX`).

    :param source: query arguments (text: ASCII digits) or a JSON body (a JSON integer).
    :param default: when the argument is absent or empty.
    :param hint: what to give, in English, after the range (e.g. "the next_before of the
        previous page").
    :raise ScrmError: 400 naming the range, for anything else.
    """
    value = _given(source, name)
    if value is None:
        return default
    number = None
    if isinstance(value, str):
        digits = value.removeprefix("-") if minimum < 0 else value
        if digits.isascii() and digits.isdigit() and len(digits) <= 20:
            number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    if number is None or not minimum <= number <= maximum:
        extra = f"; {hint}" if hint else ""
        raise ScrmError(
            f'"{name}" 须为 {minimum} 至 {maximum} 的整数 '
            f'("{name}" must be a whole number from {minimum} to {maximum}{extra})'
        )
    return number


def day(
    source: Any, name: str, *, default: date | None = None, required: bool = False
) -> date | None:
    """``source[name]`` as a day written ``YYYY-MM-DD``, from :data:`FIRST_DAY` to
    :data:`LAST_DAY`.

    :param required: refuse an absent or empty value too (otherwise ``default``).
    :raise ScrmError: 400 naming the range, for anything else.
    """
    value = _given(source, name)
    if value is None and not required:
        return default
    parsed = None
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or not FIRST_DAY <= parsed <= LAST_DAY:
        raise ScrmError(
            f'"{name}" 须为 {_DAYS} 之间的日期 '
            f'("{name}" must be a date {_DAYS_EN}, written YYYY-MM-DD, e.g. 2026-03-02)'
        )
    return parsed


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone(source: Any, name: str, *, default: str) -> str:
    """``source[name]`` as an IANA time zone name (``default`` when absent or empty); checked
    against the known names, never opened as a path.

    :raise ScrmError: 400 for anything else.
    """
    value = _given(source, name)
    if value is None:
        return default
    if not isinstance(value, str) or value not in _time_zones():
        raise ScrmError(
            f'"{name}" 须为 IANA 时区名，如 Asia/Shanghai '
            f'("{name}" must be an IANA time zone name such as Asia/Shanghai)'
        )
    return value


def instant(source: Any, name: str, zone: ZoneInfo) -> datetime | None:
    """``source[name]`` as an ISO 8601 time (a time without an offset is in ``zone``), as an
    aware UTC datetime from :data:`scrm.db.EARLIEST` to :data:`scrm.db.LATEST`.

    :raise ScrmError: 400 naming the range, for anything else.
    """
    value = _given(source, name)
    if value is None:
        return None
    moment = None
    if isinstance(value, str) and value.isascii():
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise ScrmError(
            f'"{name}" 须为 {_DAYS} 之间的日期或时间 ("{name}" must be a date or time '
            f"{_DAYS_EN}; use ISO 8601, e.g. 2026-11-01 or 2026-11-01T09:30:00+08:00)"
        )
    return moment


class IdConverter(IntegerConverter):
    """The ``<int:…>`` of every URL rule: an id beyond :data:`ID_MAX` matches no route (404),
    rather than overflowing the database when the row is looked up."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BigIdConverter(IdConverter):
    """``<bigid:…>``: an archived message's id, up to :data:`BIG_ID_MAX`."""

    def __init__(self, map, fixed_digits=0, min=None, max=BIG_ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_unstorable_text() -> None:
    """Before every request: a path, query argument or JSON body holding a NUL character or a
    lone surrogate is a 400 (PostgreSQL refuses NUL in text, and neither can be UTF-8).

    :raise ScrmError: 400 naming the fix.
    """
    if _UNSTORABLE.search(request.path) or any(
        _UNSTORABLE.search(key) or _UNSTORABLE.search(value)
        for key, value in request.args.items(multi=True)
    ):
        raise ScrmError(UNSTORABLE_TEXT)
    if request.is_json and _holds_unstorable(request.get_json(silent=True)):
        raise ScrmError(UNSTORABLE_TEXT)


def _holds_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds_unstorable(k) or _holds_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_unstorable(item) for item in value)
    return False
