"""Which chats the sidebar lets a member of staff see and act in (least privilege).

1v1: only a customer the caller serves themselves (a live relation of their own). The
sidebar is beside the caller's own chat, so even a branch lead sees only their own customers
here; a customer of someone else answers 404 exactly like an unknown one.
Group: a customer group the caller may see (:func:`scrm.groups.access.visible_groups`) or is in.
"""

from __future__ import annotations

from sqlalchemy import select

from scrm.customers.models import Customer, Follow
from scrm.customers.services import LIVE_STATUSES
from scrm.db import db
from scrm.directory.models import Staff
from scrm.errors import ScrmError
from scrm.groups.access import visible_groups
from scrm.groups.models import CustomerGroup, GroupMember


def own_customer(staff: Staff, external_userid: object) -> tuple[Customer, Follow]:
    """The customer and the caller's own live relation with them.

    :raise ScrmError: 404 when the customer is unknown or not the caller's own.
    """
    if not isinstance(external_userid, str) or not external_userid:
        raise ScrmError('give "external_userid": the customer of this chat')
    row = db.session.execute(
        select(Customer, Follow)
        .join(Follow, Follow.customer_id == Customer.id)
        .where(
            Customer.external_userid == external_userid,
            Follow.staff_id == staff.id,
            Follow.status.in_(LIVE_STATUSES),
        )
    ).first()
    if row is None:
        raise ScrmError(
            f"customer {external_userid} is not one of your customers; the sidebar shows only "
            "customers you serve yourself",
            status_code=404,
        )
    return row[0], row[1]


def chat_group(staff: Staff, chat_id: object) -> CustomerGroup:
    """The live customer group ``chat_id`` if the caller may see it or is a member.

    :raise ScrmError: 404 when the group is unknown, dismissed or outside the caller's scope.
    """
    if not isinstance(chat_id, str) or not chat_id:
        raise ScrmError('give "chat_id": the customer group of this chat')
    group = db.session.scalar(
        select(CustomerGroup).where(
            CustomerGroup.chat_id == chat_id,
            CustomerGroup.removed_at.is_(None),
            CustomerGroup.dismissed_at.is_(None),
        )
    )
    member = group is not None and db.session.scalar(
        select(GroupMember.id).where(
            GroupMember.group_id == group.id,
            GroupMember.member_userid == staff.userid,
            GroupMember.quit_at.is_(None),
        )
    )
    visible = group is not None and db.session.scalar(
        visible_groups(staff).where(CustomerGroup.id == group.id)
    )
    if not (member or visible):
        raise ScrmError(
            f"customer group {chat_id} is not one of your groups; the sidebar shows only groups "
            "you own, hold a role in, or are a member of",
            status_code=404,
        )
    return group
