"""Sync stage for customers: every follow user's external contacts, page by page.

``batch/get_by_user`` takes at most 100 userids and answers in cursor pages of at most 100
contacts. The checkpoint holds the userid list fixed at the start of the stage, the chunk
being read and the cursor of the next page, and is committed with each page.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from scrm.customers.models import (
    FOLLOW_ACTIVE,
    FOLLOW_DELETED_BY_CUSTOMER,
    FOLLOW_HALF,
    Customer,
    Follow,
)
from scrm.customers.services import mark_follow_removed, upsert_customer, upsert_follow
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.directory.services import ensure_staff
from scrm.sync.changes import state_of
from scrm.sync.run_state import SyncContext
from scrm.wecom.endpoints import reads as api
from scrm.wecom.endpoints.reads import ExternalContactInfo, FollowInfo

#: A relation WeCom no longer lists in a full sync; who ended it is unknown.
FOLLOW_NOT_LISTED = "not_listed"

#: WeCom's limits for ``batch/get_by_user``: userids per call and contacts per page.
MAX_USERIDS = 100
MAX_PAGE = 100

# Relation states a listing cannot contradict: WeCom keeps listing a contact for the RM after
# the customer deleted the RM, and the callback told us of a half-added one first.
_KEPT_STATES = (FOLLOW_HALF, FOLLOW_DELETED_BY_CUSTOMER)


def _customer_states(external_userids: Iterable[str]) -> dict:
    rows = db.session.scalars(
        select(Customer).where(Customer.external_userid.in_(list(external_userids)))
    )
    return {c.external_userid: state_of(c) for c in rows}


def _follow_states(external_userids: Iterable[str]) -> dict:
    rows = db.session.execute(
        select(Follow, Customer.external_userid, Staff.userid)
        .join(Customer, Follow.customer_id == Customer.id)
        .join(Staff, Follow.staff_id == Staff.id)
        .where(Customer.external_userid.in_(list(external_userids)))
        .options(selectinload(Follow.tags))
    )
    return {
        (external_userid, userid): state_of(follow, tags=sorted(t.tag_key for t in follow.tags))
        for follow, external_userid, userid in rows
    }


def _follow_userids() -> list[str]:
    return list(
        db.session.scalars(
            select(Staff.userid)
            .where(Staff.is_follow_user.is_(True), Staff.removed_at.is_(None))
            .order_by(Staff.userid)
        )
    )


def _apply_page(ctx: SyncContext, items: list[tuple[ExternalContactInfo, FollowInfo]]) -> None:
    external_userids = {contact.external_userid for contact, _ in items}
    customers_before = _customer_states(external_userids)
    follows_before = _follow_states(external_userids)
    staff: dict[str, Staff] = {}
    for contact, info in items:
        customer = upsert_customer(contact)
        if info.userid not in staff:
            staff[info.userid] = ensure_staff(info.userid)
        follow = db.session.scalar(
            select(Follow).where(
                Follow.customer_id == customer.id, Follow.staff_id == staff[info.userid].id
            )
        )
        status = follow.status if follow and follow.status in _KEPT_STATES else FOLLOW_ACTIVE
        upsert_follow(customer, staff[info.userid], info, status=status)
    ctx.count("customers", customers_before, _customer_states(external_userids))
    ctx.count("follows", follows_before, _follow_states(external_userids))


def sync_customers(ctx: SyncContext) -> None:
    """Store every follow user's customers with the relation and its tags, then end the
    relations this run did not see and remove customers no RM is connected with any more."""
    limit = max(1, min(MAX_PAGE, ctx.setting("SYNC_CUSTOMER_PAGE_SIZE", MAX_PAGE)))
    ctx.page_through(
        _follow_userids,
        MAX_USERIDS,
        lambda userids, cursor: api.batch_get_by_user(ctx.contact, userids, cursor, limit),
        lambda items: _apply_page(ctx, items),
    )
    _end_unseen_follows(ctx)
    _remove_customers_without_rm(ctx)


def _end_unseen_follows(ctx: SyncContext) -> None:
    # Every follow this run listed has synced_at >= started_at, resumed pages included.
    stale = db.session.execute(
        select(Customer.external_userid, Staff.userid)
        .select_from(Follow)
        .join(Customer, Follow.customer_id == Customer.id)
        .join(Staff, Follow.staff_id == Staff.id)
        .where(
            Follow.status == FOLLOW_ACTIVE,
            Follow.removed_at.is_(None),
            Follow.synced_at < ctx.started_at,
        )
    ).all()
    if not stale:
        return
    external_userids = {external_userid for external_userid, _ in stale}
    customers_before = _customer_states(external_userids)
    for external_userid, userid in stale:
        mark_follow_removed(external_userid, userid, FOLLOW_NOT_LISTED)
    ctx.count_removed("follows", len(stale))
    ctx.count("customers", customers_before, _customer_states(external_userids))


def _remove_customers_without_rm(ctx: SyncContext) -> None:
    # A customer with no relation at all (none ever stored, or all deleted) is nobody's
    # customer: keep the row for history, mark it removed.
    connected = exists().where(
        Follow.customer_id == Customer.id,
        Follow.status.in_((FOLLOW_ACTIVE, FOLLOW_HALF)),
        Follow.removed_at.is_(None),
    )
    orphans = db.session.scalars(
        select(Customer).where(Customer.removed_at.is_(None), ~connected)
    ).all()
    now = utcnow()
    for customer in orphans:
        customer.removed_at = now
    db.session.flush()
    ctx.count_removed("customers", len(orphans))
    ctx.save(ctx.checkpoint)
