"""Write customer groups (客户群) and their members as WeCom reports them.

Idempotent writers that ``flush()`` only; the caller commits. WeCom processes group data
asynchronously after a change event, so whenever an event cannot be applied exactly in order
(``member_version`` gap), the group is fetched whole instead.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from scrm.customers.models import Customer
from scrm.db import db, utcnow
from scrm.directory.services import ensure_staff, get_staff
from scrm.groups.models import (
    GROUP_DISMISSED,
    GROUP_NORMAL,
    MEMBER_CUSTOMER,
    MEMBER_STAFF,
    CustomerGroup,
    GroupMember,
)
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import reads as api
from scrm.wecom.endpoints.reads import GroupChatInfo
from scrm.wecom.errors import InvalidRequest
from scrm.wecom.events import ExternalChatChanged

log = logging.getLogger(__name__)

_MEMBER_TYPES = {1: MEMBER_STAFF, 2: MEMBER_CUSTOMER}

#: errcode with which ``groupchat/get`` says the group does not exist (any more).
CHAT_GONE_ERRCODES = frozenset({40050})

# A join event says 0 for "invited" (directly or by link) and 3 for the QR code; the group
# listing (and our rows) say 1 invited, 2 link, 3 QR. The event cannot tell 1 from 2.
_EVENT_JOIN_SCENES = {0: 1, 3: 3}


def get_group(chat_id: str) -> CustomerGroup | None:
    """The stored customer group with this chat id, dismissed or not."""
    return db.session.scalar(select(CustomerGroup).where(CustomerGroup.chat_id == chat_id))


def upsert_group(info: GroupChatInfo) -> CustomerGroup:
    """Create or update a group and reconcile its members with WeCom's list.

    Newcomers get a row, members no longer listed get ``quit_at`` (now), and a member who
    comes back has ``quit_at`` cleared. The group's ``member_version`` is stored.

    :raise WeComError: when the owner is unknown and WeCom cannot be asked about them.
    """
    # The owner first, before this function writes: an unknown owner is fetched from WeCom.
    owner = ensure_staff(info.owner) if info.owner else None
    now = utcnow()
    group = get_group(info.chat_id)
    if group is None:
        group = CustomerGroup(chat_id=info.chat_id, status=GROUP_NORMAL)
        db.session.add(group)
    group.name = info.name
    group.owner = owner
    group.notice = info.notice
    group.created_at = info.created_at or group.created_at
    group.member_version = info.member_version
    group.synced_at = now
    group.removed_at = None

    stored = {m.member_userid: m for m in group.members}
    for m in info.members:
        row = stored.get(m.userid)
        if row is None:
            row = GroupMember(member_userid=m.userid)
            group.members.append(row)
        row.member_type = _MEMBER_TYPES.get(m.type, MEMBER_CUSTOMER)
        row.unionid = m.unionid or row.unionid
        row.name = m.name or row.name
        row.group_nickname = m.group_nickname
        row.join_scene = m.join_scene if m.join_scene is not None else row.join_scene
        row.invitor_userid = m.invitor_userid or row.invitor_userid
        row.joined_at = m.join_time or row.joined_at
        row.quit_at = None
        row.quit_scene = None
    listed = {m.userid for m in info.members}
    for userid, row in stored.items():
        if userid not in listed and row.quit_at is None:
            row.quit_at = now
    db.session.flush()
    return group


def refresh_group(chat_id: str) -> CustomerGroup | None:
    """Fetch a group with its members (``groupchat/get``) and store it.

    :return: the group; a dismissed group WeCom no longer knows is returned as stored, and
        ``None`` when it was never stored either.
    :raise WeComError: when WeCom cannot be reached or refuses.
    """
    try:
        info = api.get_group_chat(get_client("contact"), chat_id)
    except InvalidRequest as exc:
        if exc.errcode not in CHAT_GONE_ERRCODES:
            raise
        group = get_group(chat_id)
        if group is None:
            # Dismissed before we ever saw it: the dismiss event records it.
            log.info("group %s is gone from WeCom and was never stored", chat_id)
            return None
        if group.status == GROUP_DISMISSED:
            return group  # a late event about a group dismissed since
        raise  # stored and live: its dismiss event is still on its way; retry after it
    return upsert_group(info)


def dismiss_group(chat_id: str, at: datetime | None) -> CustomerGroup:
    """Record that the owner dismissed the group (解散). Members and history stay.

    A group never stored is recorded as dismissed, so a late "created" event does not bring it
    back.

    :param at: when WeCom says it happened (now when unknown).
    """
    group = get_group(chat_id)
    if group is None:
        group = CustomerGroup(chat_id=chat_id)
        db.session.add(group)
    if group.status != GROUP_DISMISSED:
        group.status = GROUP_DISMISSED
        group.dismissed_at = at or utcnow()
    db.session.flush()
    return group


def rename_member(old_userid: str, new_userid: str) -> None:
    """Follow a staff userid change (``NewUserID``) in every group they are a member of."""
    rows = db.session.scalars(
        select(GroupMember).where(
            GroupMember.member_userid == old_userid, GroupMember.member_type == MEMBER_STAFF
        )
    )
    for row in rows:
        row.member_userid = new_userid
    db.session.flush()


def _known_member(userid: str) -> tuple[str, str | None] | None:
    staff = get_staff(userid)
    if staff is not None:
        return MEMBER_STAFF, staff.name
    customer = db.session.scalar(select(Customer).where(Customer.external_userid == userid))
    if customer is not None:
        return MEMBER_CUSTOMER, customer.name
    return None


def apply_member_change(event: ExternalChatChanged) -> CustomerGroup | None:
    """Apply a ``change_external_chat`` add_member / del_member event exactly once.

    The stored ``member_version`` decides: equal to ``CurMemVer`` → already applied; equal to
    ``LastMemVer`` → apply the listed changes; anything else (a gap, or a group never
    stored) → fetch the whole group.

    :raise WeComError: when the group must be fetched and WeCom fails.
    """
    group = get_group(event.chat_id)
    if group is None:
        return refresh_group(event.chat_id)
    if group.status == GROUP_DISMISSED:
        return group
    current = event.current_member_version
    if current and group.member_version == current:
        return group
    if not current or group.member_version != event.last_member_version:
        return refresh_group(event.chat_id)

    at = event.created_at or utcnow()
    members = {m.member_userid: m for m in group.members}
    if event.update_detail == "del_member":
        for userid in event.member_changes:
            row = members.get(userid)
            if row is not None and row.quit_at is None:
                row.quit_at = at
                row.quit_scene = event.quit_scene
    elif event.update_detail == "add_member":
        for userid in event.member_changes:
            known = _known_member(userid)
            if known is None:
                # Who is this (staff or customer, name)? Only the group listing says.
                return refresh_group(event.chat_id)
            row = members.get(userid)
            if row is None:
                row = GroupMember(member_userid=userid)
                group.members.append(row)
            row.member_type, row.name = known[0], row.name or known[1]
            row.join_scene = _EVENT_JOIN_SCENES.get(event.join_scene, event.join_scene)
            row.joined_at = at
            row.quit_at = None
            row.quit_scene = None
    else:
        return refresh_group(event.chat_id)
    group.member_version = current
    group.synced_at = utcnow()
    db.session.flush()
    return group
