"""Directory tags (通讯录标签) mirrored from WeCom, and the staff a set of tags names.

HQ picks the RMs of a central moments post "by tag" (e.g. 私行客户经理); the tag is kept in
WeCom by HR, so scrm reads it (``tag/list`` + ``tag/get``) on every full sync. A tag carries
members by name and whole departments; a tagged department includes its sub-departments.
Writers flush; the caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from scrm.db import db, utcnow
from scrm.directory.models import Department, Staff
from scrm.directory.staff_tags.models import StaffTag, StaffTagMember
from scrm.directory.tree import department_subtree
from scrm.wecom.client import WeComClient
from scrm.wecom.endpoints.staff_tags import StaffTagInfo, get_staff_tag, list_staff_tags
from scrm.wecom.errors import InvalidRequest, PermissionDenied

log = logging.getLogger(__name__)

UNKNOWN_TAG_ERRCODE = 40068  # WeCom: invalid tagid


def sync_staff_tags(client: WeComClient) -> dict[str, int]:
    """Store every directory tag the app sees with its members; mark the others removed.

    Every tag is fetched before anything is written, so a WeCom failure writes nothing.

    :param client: the directory-reading app's client (``agent``).
    :return: counts: ``tags`` stored, ``removed`` tags (both 0 when the app may not read
        tags: 48002 is logged, not raised, so the rest of the sync goes on).
    :raise WeComError: WeCom could not be read.
    """
    try:
        infos = [get_staff_tag(client, t.tagid) for t in list_staff_tags(client)]
    except PermissionDenied as exc:
        # Tags only serve targeting by tag: a corp that did not grant the app tag access
        # still syncs everything else.
        log.warning("directory tags not synced: the app may not read them (%s)", exc.errcode)
        return {"tags": 0, "removed": 0}
    for info in infos:
        upsert_staff_tag(info)
    listed = {info.tagid for info in infos}
    removed = 0
    for tag in db.session.scalars(select(StaffTag).where(StaffTag.removed_at.is_(None))):
        if tag.tagid not in listed:
            tag.removed_at = utcnow()
            tag.members.clear()
            removed += 1
    db.session.flush()
    return {"tags": len(infos), "removed": removed}


def refresh_staff_tag(client: WeComClient, tagid: int) -> StaffTag | None:
    """Re-read one tag from WeCom (after its ``update_tag`` callback) and store it; a tag
    WeCom no longer knows (40068) is marked removed.

    :return: the stored tag, or ``None`` when it is gone.
    :raise WeComError: WeCom could not be read.
    """
    try:
        info = get_staff_tag(client, tagid)
    except InvalidRequest as exc:
        if exc.errcode != UNKNOWN_TAG_ERRCODE:
            raise
        tag = db.session.scalar(select(StaffTag).where(StaffTag.tagid == int(tagid)))
        if tag is not None and tag.removed_at is None:
            tag.removed_at = utcnow()
            tag.members.clear()
            db.session.flush()
        return None
    return upsert_staff_tag(info)


def upsert_staff_tag(info: StaffTagInfo) -> StaffTag:
    """Make the stored tag carry exactly the members and departments WeCom lists.

    Members scrm does not know yet are skipped (the staff sync adds them before this runs).
    """
    tag = db.session.scalar(select(StaffTag).where(StaffTag.tagid == info.tagid))
    if tag is None:
        tag = StaffTag(tagid=info.tagid, name=info.name)
        db.session.add(tag)
    tag.name, tag.department_ids = info.name, list(info.department_ids)
    tag.synced_at, tag.removed_at = utcnow(), None
    wanted = set(db.session.scalars(select(Staff.id).where(Staff.userid.in_(info.userids or [""]))))
    for member in list(tag.members):
        if member.staff_id not in wanted:
            tag.members.remove(member)
    have = {m.staff_id for m in tag.members}
    for staff_id in sorted(wanted - have):
        tag.members.append(StaffTagMember(staff_id=staff_id))
    db.session.flush()
    return tag


def staff_ids_tagged(tagids: Sequence[int]) -> set[int]:
    """The ids of the current staff carrying any of the directory tags ``tagids``.

    :raise LookupError: a tag id scrm does not hold (or WeCom removed), naming it.
    """
    wanted = {int(t) for t in tagids}
    tags = list(
        db.session.scalars(
            select(StaffTag).where(StaffTag.tagid.in_(wanted), StaffTag.removed_at.is_(None))
        )
    )
    unknown = sorted(wanted - {t.tagid for t in tags})
    if unknown:
        raise LookupError(
            f"directory tags {unknown} are not known; check the tag ids in WeCom's 通讯录 or "
            "run `scrm sync`"
        )
    found = {m.staff_id for t in tags for m in t.members}
    roots = {d for t in tags for d in t.department_ids}
    if roots:
        parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
        departments = {d for r in roots if r in parents for d in department_subtree(parents, r)}
        found |= set(
            db.session.scalars(select(Staff.id).where(Staff.department_id.in_(departments)))
        )
    return found
