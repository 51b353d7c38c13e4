"""Corp tag groups and tags (企业标签), mirrored from WeCom, and the tags on each follow.

Idempotent writers that ``flush()`` only; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.customers.models import CorpTag, CorpTagGroup, Follow, FollowTag
from scrm.db import db, utcnow
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import reads as api
from scrm.wecom.endpoints.reads import CorpTagGroupInfo, TagRef

TAG_PERSONAL = 2


def get_tag(wecom_id: str) -> CorpTag | None:
    """The stored corp tag with this WeCom id, removed or not."""
    return db.session.scalar(select(CorpTag).where(CorpTag.wecom_id == wecom_id))


def get_tag_group(wecom_id: str) -> CorpTagGroup | None:
    """The stored corp tag group with this WeCom id, removed or not."""
    return db.session.scalar(select(CorpTagGroup).where(CorpTagGroup.wecom_id == wecom_id))


def upsert_tag_group(info: CorpTagGroupInfo) -> CorpTagGroup:
    """Create or update a tag group with its tags, exactly as WeCom lists it.

    Stored tags of the group that the listing no longer has, or marks deleted, are marked
    removed. Pass the complete group (``get_corp_tag_list`` by group id), not a tag-filtered one.

    :param info: the group and every tag in it.
    """
    now = utcnow()
    group = get_tag_group(info.group_id)
    if group is None:
        group = CorpTagGroup(wecom_id=info.group_id)
        db.session.add(group)
    group.name = info.group_name
    group.order = info.order
    group.created_at = info.created_at or group.created_at
    group.synced_at = now
    group.removed_at = (group.removed_at or now) if info.deleted else None
    db.session.flush()

    listed = set()
    for tag_info in info.tags:
        listed.add(tag_info.id)
        tag = get_tag(tag_info.id)
        if tag is None:
            tag = CorpTag(wecom_id=tag_info.id, group=group)
            db.session.add(tag)
        tag.group = group
        tag.name = tag_info.name
        tag.order = tag_info.order
        tag.created_at = tag_info.created_at or tag.created_at
        tag.synced_at = now
        gone = tag_info.deleted or info.deleted
        tag.removed_at = (tag.removed_at or now) if gone else None
        db.session.flush()
        _name_follow_tags(tag)
    for tag in group.tags:
        if tag.wecom_id not in listed and tag.removed_at is None:
            _remove(tag, now)
    db.session.flush()
    return group


def _name_follow_tags(tag: CorpTag) -> None:
    # Tags that arrived as bare ids (batch/get_by_user) before the tag itself was known get
    # their link and names now; names also follow a renamed tag.
    rows = db.session.scalars(
        select(FollowTag).where(FollowTag.tag_key == tag.wecom_id, FollowTag.type != TAG_PERSONAL)
    )
    for row in rows:
        row.corp_tag_id = tag.id
        row.tag_name = tag.name
        row.group_name = tag.group.name


def _remove(tag: CorpTag, now) -> None:
    tag.removed_at = tag.removed_at or now
    # WeCom takes a deleted tag off every customer without a per-customer callback.
    for row in db.session.scalars(select(FollowTag).where(FollowTag.corp_tag_id == tag.id)):
        db.session.delete(row)


def remove_tag(wecom_id: str) -> None:
    """Mark a corp tag removed and take it off every customer.

    WeCom deletes a group whose last tag is deleted, so the group is then marked removed too.

    :param wecom_id: the tag id; an unknown id is ignored.
    """
    tag = get_tag(wecom_id)
    if tag is None:
        return
    now = utcnow()
    _remove(tag, now)
    db.session.flush()
    group = tag.group
    if group.removed_at is None and all(t.removed_at is not None for t in group.tags):
        group.removed_at = now
    db.session.flush()


def remove_tag_group(wecom_id: str) -> None:
    """Mark a tag group and all its tags removed (WeCom sends no callback per tag).

    :param wecom_id: the group id; an unknown id is ignored.
    """
    group = get_tag_group(wecom_id)
    if group is None:
        return
    now = utcnow()
    group.removed_at = group.removed_at or now
    for tag in group.tags:
        if tag.removed_at is None:
            _remove(tag, now)
    db.session.flush()


def refresh_tags(
    tag_ids: list[str] | None = None, group_ids: list[str] | None = None
) -> list[CorpTagGroup]:
    """Fetch corp tags from WeCom (``get_corp_tag_list``) and store them.

    With neither argument, the whole tag list is reconciled: groups WeCom no longer lists are
    removed. With ids, only the groups holding them are fetched (whole, so that a tag missing
    from the answer really is gone) and ids WeCom no longer knows are removed.

    :raise WeComError: when WeCom cannot be reached or refuses.
    """
    client = get_client("contact")
    if not tag_ids and not group_ids:
        infos = api.list_corp_tags(client)
        groups = [upsert_tag_group(info) for info in infos]
        listed = {info.group_id for info in infos}
        stale = db.session.scalars(
            select(CorpTagGroup.wecom_id).where(CorpTagGroup.removed_at.is_(None))
        ).all()
        for wecom_id in stale:
            if wecom_id not in listed:
                remove_tag_group(wecom_id)
        return groups

    wanted_groups = set(group_ids or ())
    found_tags: set[str] = set()
    if tag_ids:
        # Filtered by tag id, WeCom answers with partial groups: learn which groups, then
        # fetch those whole (both calls before any write).
        for info in api.list_corp_tags(client, tag_ids=list(tag_ids)):
            wanted_groups.add(info.group_id)
            found_tags.update(t.id for t in info.tags if not t.deleted)
    infos = api.list_corp_tags(client, group_ids=sorted(wanted_groups)) if wanted_groups else []
    for tag_id in tag_ids or ():
        if tag_id not in found_tags:
            remove_tag(tag_id)
    groups = [upsert_tag_group(info) for info in infos]
    for wecom_id in wanted_groups - {info.group_id for info in infos}:
        remove_tag_group(wecom_id)
    return groups


def personal_tag_key(tag: TagRef) -> str:
    """The ``tag_key`` of a personal tag, which has no id in WeCom."""
    return f"personal:{tag.group_name or ''}/{tag.tag_name}"


def replace_follow_tags(follow: Follow, tags: tuple[TagRef, ...]) -> None:
    """Make the follow carry exactly ``tags`` (the RM's current tags on this customer).

    Corp and rule tags are keyed by tag id and linked to the stored corp tag when known; a tag
    given by id only takes its names from the stored tag.
    """
    wanted: dict[str, FollowTag] = {}
    for ref in tags:
        if ref.type == TAG_PERSONAL or not ref.tag_id:
            key = personal_tag_key(ref)
            wanted[key] = FollowTag(
                tag_key=key, type=TAG_PERSONAL, group_name=ref.group_name, tag_name=ref.tag_name
            )
            continue
        corp_tag = get_tag(ref.tag_id)
        wanted[ref.tag_id] = FollowTag(
            tag_key=ref.tag_id,
            corp_tag_id=corp_tag.id if corp_tag else None,
            type=ref.type,
            group_name=ref.group_name or (corp_tag.group.name if corp_tag else None),
            tag_name=ref.tag_name or (corp_tag.name if corp_tag else ""),
        )
    current = {row.tag_key: row for row in follow.tags}
    for key, row in current.items():
        if key not in wanted:
            follow.tags.remove(row)
    for key, new in wanted.items():
        row = current.get(key)
        if row is None:
            follow.tags.append(new)
        else:
            row.corp_tag_id = new.corp_tag_id
            row.type = new.type
            row.group_name = new.group_name
            row.tag_name = new.tag_name
    db.session.flush()
