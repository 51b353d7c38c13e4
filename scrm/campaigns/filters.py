"""A segment's filters (分群条件): the JSON an operator writes, checked and resolved to ids.

Shape (every key optional; an empty object is every customer in scope)::

    {"tags": [["<tag id or name>", …], …],   # any-of inside a list, all-of across lists
     "tiers": ["gold", "金卡客户", …] | "min_tier": "gold",   # 金卡及以上
     "aum_bands": ["500k_6m", …], "customer_types": ["payroll", "代发", …],
     "department_id": 2,                    # RMs in this branch or below
     "rm_userids": ["lin.xiaomei"],
     "in_group": true | "<chat_id>",        # member of any / of this customer group
     "last_contact_before": "2026-03-01", "last_contact_after": "2026-02-01T09:00:00+08:00"}

Dates without a time are midnight in ``SCRM_TIMEZONE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from scrm.customers.identity.models import (
    AUM_BAND_NAMES,
    AUM_BANDS,
    CUSTOMER_TYPE_NAMES,
    CUSTOMER_TYPES,
    TIER_NAMES,
    TIERS,
)
from scrm.customers.models import CorpTag
from scrm.db import db
from scrm.errors import ScrmError
from scrm.payloads import instant, whole_number

KEYS = (
    "tags",
    "tiers",
    "min_tier",
    "aum_bands",
    "customer_types",
    "department_id",
    "rm_userids",
    "in_group",
    "last_contact_before",
    "last_contact_after",
)


class SegmentError(ScrmError):
    """A segment that cannot be evaluated as written, or that selects nobody; names the fix."""


@dataclass
class Filters:
    """Checked filters, with tags resolved to ``corp_tag.id`` groups."""

    tag_groups: list[list[int]] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)
    aum_bands: list[str] = field(default_factory=list)
    customer_types: list[str] = field(default_factory=list)
    department_id: int | None = None
    rm_userids: list[str] = field(default_factory=list)
    in_group: bool | str | None = None
    last_contact_before: datetime | None = None
    last_contact_after: datetime | None = None


def parse_filters(raw: Any) -> Filters:
    """Check ``raw`` (the JSON object) and resolve names to codes and tag ids.

    :raise SegmentError: an unknown key, value, tag or a malformed date, naming the fix.
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SegmentError('filters must be a JSON object, e.g. {"tiers": ["gold"]}')
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise SegmentError(f"unknown filter {', '.join(unknown)}; use {', '.join(KEYS)}")
    found = Filters()
    found.tag_groups = _tags(raw.get("tags"))
    found.tiers = _codes("tiers", raw.get("tiers"), TIERS, TIER_NAMES)
    if raw.get("min_tier") is not None:
        if found.tiers:
            raise SegmentError("give tiers or min_tier, not both")
        lowest = _codes("min_tier", [raw["min_tier"]], TIERS, TIER_NAMES)[0]
        found.tiers = list(TIERS[TIERS.index(lowest) :])
    found.aum_bands = _codes("aum_bands", raw.get("aum_bands"), AUM_BANDS, AUM_BAND_NAMES)
    found.customer_types = _codes(
        "customer_types", raw.get("customer_types"), CUSTOMER_TYPES, CUSTOMER_TYPE_NAMES
    )
    found.department_id = _checked(
        whole_number, raw, "department_id", hint="a department id from `scrm sync`"
    )
    found.rm_userids = _strings("rm_userids", raw.get("rm_userids"))
    in_group = raw.get("in_group")
    if in_group not in (None, True, False) and not (isinstance(in_group, str) and in_group):
        raise SegmentError("in_group must be true (any customer group) or a group's chat_id")
    found.in_group = in_group or None
    found.last_contact_before = _moment("last_contact_before", raw.get("last_contact_before"))
    found.last_contact_after = _moment("last_contact_after", raw.get("last_contact_after"))
    return found


def _strings(key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SegmentError(f"{key} must be a list of non-empty strings")
    return list(dict.fromkeys(value))


def _codes(key: str, value: Any, codes: tuple[str, ...], names: dict[str, str]) -> list[str]:
    by_name = {name: code for code, name in names.items()}
    result = []
    for item in _strings(key, value):
        code = item if item in codes else by_name.get(item)
        if code is None:
            choices = ", ".join(f"{c} ({names[c]})" for c in codes)
            raise SegmentError(f"{key}: {item!r} is not known; use one of {choices}")
        result.append(code)
    return result


def _tags(value: Any) -> list[list[int]]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = [value]  # a flat list is one any-of group
    if not isinstance(value, list) or not all(isinstance(g, list) and g for g in value):
        raise SegmentError('tags must be a list of tag lists, e.g. [["代发客户", "按揭客户"]]')
    current = list(db.session.scalars(select(CorpTag).where(CorpTag.removed_at.is_(None))))
    by_wecom_id = {t.wecom_id: t.id for t in current}
    by_name: dict[str, list[int]] = {}
    for tag in current:
        by_name.setdefault(tag.name, []).append(tag.id)
    groups = []
    for group in value:
        ids = []
        for ref in _strings("tags", group):
            if ref in by_wecom_id:
                ids.append(by_wecom_id[ref])
            elif len(by_name.get(ref, [])) == 1:
                ids.append(by_name[ref][0])
            elif ref in by_name:
                raise SegmentError(f"tag name {ref!r} is in several tag groups; give its tag id")
            else:
                raise SegmentError(f"no corp tag {ref!r}; check the name or id, or run `scrm sync`")
        groups.append(ids)
    return groups


def _moment(key: str, value: Any) -> datetime | None:
    # A date alone is its local midnight; a time without an offset is local.
    zone = ZoneInfo(current_app.config["SCRM_TIMEZONE"])
    return _checked(instant, {key: value}, key, zone)


def _checked(parse, *args, **kwargs):
    """The shared argument check, its refusal raised as a SegmentError (the CLI catches it)."""
    try:
        return parse(*args, **kwargs)
    except ScrmError as exc:
        raise SegmentError(exc.message) from None
