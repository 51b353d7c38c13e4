"""Sync stage for customer groups (客户群): list chat ids per owner chunk, fetch each group.

``groupchat/list`` without an owner filter fails with 81017 once the app sees more than 1000
members, so owners are always given, at most 100 per call (WeCom's limit). The checkpoint
holds the owner list fixed at the start of the stage, the chunk and the next cursor.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.groups.models import CustomerGroup
from scrm.groups.services import upsert_group
from scrm.sync.changes import state_of
from scrm.sync.run_state import SyncContext
from scrm.wecom.endpoints import reads as api

MAX_OWNERS = 100
MAX_PAGE = 1000


def _member_key(member) -> tuple:
    return (
        member.member_userid,
        member.member_type,
        member.quit_at is None,
        member.join_scene,
        member.name,
        member.group_nickname,
    )


def _group_states(chat_ids: Iterable[str]) -> dict:
    rows = db.session.scalars(
        select(CustomerGroup)
        .where(CustomerGroup.chat_id.in_(list(chat_ids)))
        .options(selectinload(CustomerGroup.members))
    )
    return {g.chat_id: state_of(g, members=sorted(_member_key(m) for m in g.members)) for g in rows}


def _owner_userids() -> list[str]:
    # Every member of staff, not only follow users: a group outlives its owner's 客户联系 flag.
    return list(
        db.session.scalars(
            select(Staff.userid).where(Staff.removed_at.is_(None)).order_by(Staff.userid)
        )
    )


def sync_groups(ctx: SyncContext) -> None:
    """Store every customer group with its members; mark groups not listed any more removed."""
    limit = max(1, min(MAX_PAGE, ctx.setting("SYNC_GROUP_PAGE_SIZE", MAX_PAGE)))
    ctx.page_through(
        _owner_userids,
        MAX_OWNERS,
        lambda owners, cursor: api.list_group_chats(ctx.contact, owners, cursor, limit),
        lambda chat_ids: _store_groups(ctx, chat_ids),
    )
    _remove_unseen_groups(ctx)


def _store_groups(ctx: SyncContext, chat_ids: list[str]) -> None:
    before = _group_states(chat_ids)
    for chat_id in chat_ids:
        upsert_group(api.get_group_chat(ctx.contact, chat_id))
    ctx.count("groups", before, _group_states(chat_ids))


def _remove_unseen_groups(ctx: SyncContext) -> None:
    # Every group this run listed has synced_at >= started_at, resumed pages included.
    stale = db.session.scalars(
        select(CustomerGroup).where(
            CustomerGroup.removed_at.is_(None), CustomerGroup.synced_at < ctx.started_at
        )
    ).all()
    now = utcnow()
    for group in stale:
        group.removed_at = now
    db.session.flush()
    ctx.count_removed("groups", len(stale))
    ctx.save(ctx.checkpoint)
