"""Saved segments: create or revise one, checked by previewing it first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from scrm.campaigns.filters import SegmentError
from scrm.campaigns.models import Segment
from scrm.campaigns.segments import Preview, preview_segment
from scrm.db import db, utcnow
from scrm.directory.models import Staff


def save_segment(
    name: str, filters: Any, owner_userid: str, *, scope_staff: Staff | None = None
) -> tuple[Segment, Preview]:
    """Save segment ``name`` with ``filters`` (revising it when it exists), after previewing it.

    :param owner_userid: who maintains it; only they (or HQ) may revise it.
    :param scope_staff: whose scope the preview counts in (``None``: the whole bank).
    :raise SegmentError: a blank name, bad filters, an empty segment, or someone else's segment.
    """
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise SegmentError("give the segment a name of 1 to 100 characters, e.g. 代发金卡客户")
    preview = preview_segment(filters, scope_staff=scope_staff)
    segment = db.session.scalar(select(Segment).where(Segment.name == name.strip()))
    if segment is None:
        segment = Segment(name=name.strip(), owner_userid=owner_userid)
        db.session.add(segment)
    elif segment.owner_userid != owner_userid and not _bank_wide(scope_staff):
        raise SegmentError(
            f"segment {segment.name!r} belongs to {segment.owner_userid}; save yours under "
            "another name",
            status_code=403,
        )
    segment.filters = dict(filters or {})
    segment.updated_at = utcnow()
    db.session.flush()
    return segment, preview


def _bank_wide(staff: Staff | None) -> bool:
    return staff is None or bool(staff.role_names & {"hq_ops", "admin"})
