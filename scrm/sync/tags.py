"""Sync stage for corp tags (企业标签): one call lists every group with its tags."""

from __future__ import annotations

from sqlalchemy import select

from scrm.customers.models import CorpTag, CorpTagGroup
from scrm.customers.services import remove_tag_group, upsert_tag_group
from scrm.db import db
from scrm.sync.changes import state_of
from scrm.sync.run_state import SyncContext
from scrm.wecom.endpoints import reads as api


def _states(model) -> dict:
    return {row.wecom_id: state_of(row) for row in db.session.scalars(select(model))}


def sync_tags(ctx: SyncContext) -> None:
    """Store every corp tag group and tag; mark groups and tags WeCom no longer lists removed."""
    infos = api.list_corp_tags(ctx.contact)
    groups_before, tags_before = _states(CorpTagGroup), _states(CorpTag)
    for info in sorted(infos, key=lambda g: (g.order, g.group_id)):
        upsert_tag_group(info)
    listed = {info.group_id for info in infos}
    for wecom_id, state in groups_before.items():
        if wecom_id not in listed and state["removed_at"] is None:
            remove_tag_group(wecom_id)
    ctx.count("tag_groups", groups_before, _states(CorpTagGroup))
    ctx.count("tags", tags_before, _states(CorpTag))
