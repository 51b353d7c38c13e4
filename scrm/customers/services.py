"""Write customers (外部联系人) and their follow relations with RMs as WeCom reports them.

Idempotent writers that ``flush()`` only; the caller commits. Tags live in
:mod:`scrm.customers.tags` and are re-exported here.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from scrm.customers.models import (
    FOLLOW_ACTIVE,
    FOLLOW_DELETED_BY_CUSTOMER,
    FOLLOW_DELETED_BY_RM,
    FOLLOW_HALF,
    FOLLOW_TRANSFER_FAILED,
    Customer,
    Follow,
)
from scrm.customers.tags import (  # noqa: F401  (part of this module's interface)
    refresh_tags,
    remove_tag,
    remove_tag_group,
    replace_follow_tags,
    upsert_tag_group,
)
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.directory.services import ensure_staff, grant_role
from scrm.wecom.client import get_client
from scrm.wecom.endpoints import reads as api
from scrm.wecom.endpoints.reads import ExternalContactInfo, FollowInfo
from scrm.wecom.errors import InvalidRequest

log = logging.getLogger(__name__)

#: Follow states in which the RM and the customer are connected.
LIVE_STATUSES = frozenset({FOLLOW_ACTIVE, FOLLOW_HALF})

#: errcodes with which ``externalcontact/get`` says the customer is nobody's contact any more
#: (84061 no relation; 40096 invalid external userid).
CONTACT_GONE_ERRCODES = frozenset({84061, 40096})


def get_customer(external_userid: str) -> Customer | None:
    """The stored customer with this external userid, removed or not."""
    return db.session.scalar(select(Customer).where(Customer.external_userid == external_userid))


def get_follow(external_userid: str, userid: str) -> Follow | None:
    """The stored relation between a customer and an RM, whatever its status."""
    return db.session.scalar(
        select(Follow)
        .join(Customer, Follow.customer_id == Customer.id)
        .join(Staff, Follow.staff_id == Staff.id)
        .where(Customer.external_userid == external_userid, Staff.userid == userid)
    )


def upsert_customer(info: ExternalContactInfo) -> Customer:
    """Create or update a customer's profile.

    :param info: the external contact as WeCom reports it.
    """
    customer = get_customer(info.external_userid)
    if customer is None:
        customer = Customer(external_userid=info.external_userid)
        db.session.add(customer)
    customer.name = info.name
    customer.type = info.type
    customer.gender = info.gender
    customer.avatar = info.avatar
    customer.unionid = info.unionid
    customer.corp_name = info.corp_name
    customer.synced_at = utcnow()
    db.session.flush()
    return customer


def _update_presence(customer: Customer) -> None:
    # A customer is "removed" only while no RM is connected with them; history stays.
    live = any(f.status in LIVE_STATUSES for f in customer.follows)
    if live:
        customer.removed_at = None
    elif customer.follows and customer.removed_at is None:
        customer.removed_at = utcnow()


def upsert_follow(
    customer: Customer, staff: Staff, info: FollowInfo, *, status: str = FOLLOW_ACTIVE
) -> Follow:
    """Create or update the relation between a customer and an RM, with the RM's tags.

    :param info: the follow as WeCom reports it; its ``tags`` replace the stored ones.
    :param status: the relation's state; a live state (active, half) clears ``removed_at``.
    """
    follow = db.session.scalar(
        select(Follow).where(Follow.customer_id == customer.id, Follow.staff_id == staff.id)
    )
    if follow is None:
        follow = Follow(customer=customer, staff=staff)
        db.session.add(follow)
    follow.remark = info.remark
    follow.description = info.description
    follow.remark_corp_name = info.remark_corp_name
    follow.add_way = info.add_way
    follow.state = info.state or follow.state
    follow.oper_userid = info.oper_userid or follow.oper_userid
    follow.followed_at = info.created_at or follow.followed_at
    follow.status = status
    follow.synced_at = utcnow()
    if status in LIVE_STATUSES:
        follow.removed_at = None
        # Serving a customer means 客户联系 is enabled for them: they are an RM.
        if not staff.is_follow_user:
            staff.is_follow_user = True
        grant_role(staff, "rm")
    elif follow.removed_at is None:
        follow.removed_at = utcnow()
    db.session.flush()
    replace_follow_tags(follow, info.tags)
    _update_presence(customer)
    db.session.flush()
    return follow


def mark_follow_removed(
    external_userid: str, userid: str, status: str, *, at: datetime | None = None
) -> Follow | None:
    """Record that a relation ended: the RM deleted the customer, the customer deleted the RM,
    or the customer was handed over to another RM.

    :param status: ``deleted_by_rm``, ``deleted_by_customer`` or ``transferred``.
    :param at: when it ended; a relation (re)made after that moment is left alone, so a late
        deletion never ends a newer friendship.
    :return: the follow, or ``None`` when it was never stored (nothing to end).
    """
    follow = get_follow(external_userid, userid)
    if follow is None:
        log.info("no stored follow %s → %s to mark %s", userid, external_userid, status)
        return None
    if at is not None and follow.followed_at is not None and follow.followed_at > at:
        log.info("follow %s → %s was made after its deletion; kept", userid, external_userid)
        return follow
    follow.status = status
    follow.removed_at = follow.removed_at or utcnow()
    _update_presence(follow.customer)
    db.session.flush()
    return follow


def record_transfer_failure(external_userid: str, userid: str, reason: str) -> Follow | None:
    """Record why handing a customer over to ``userid`` failed (``customer_refused`` …).

    The takeover RM usually has no follow yet; one is kept in state ``transfer_failed`` so the
    failure is visible where the handover would have landed.

    :return: the follow that carries the reason, or ``None`` when WeCom no longer knows the
        customer.
    :raise WeComError: when WeCom cannot be reached to learn about an unknown customer.
    """
    customer = get_customer(external_userid) or _refresh_customer(external_userid, (userid,))[0]
    if customer is None:
        return None
    staff = ensure_staff(userid)
    follow = db.session.scalar(
        select(Follow).where(Follow.customer_id == customer.id, Follow.staff_id == staff.id)
    )
    if follow is None:
        follow = Follow(
            customer=customer, staff=staff, status=FOLLOW_TRANSFER_FAILED, removed_at=utcnow()
        )
        db.session.add(follow)
    follow.transfer_fail_reason = reason
    db.session.flush()
    return follow


def _status_after_refresh(follow: Follow | None) -> str:
    # externalcontact/get cannot tell a half-added or a customer-deleted relation from an
    # active one, so a state learnt from a callback survives a refresh.
    if follow is not None and follow.status in (FOLLOW_HALF, FOLLOW_DELETED_BY_CUSTOMER):
        return follow.status
    return FOLLOW_ACTIVE


def refresh_customer(external_userid: str) -> Customer | None:
    """Fetch a customer and every RM following them (``externalcontact/get``) and store them.

    Stored relations that WeCom no longer lists are marked ``deleted_by_rm``; when WeCom says
    the customer is nobody's contact any more, all their relations are.

    :return: the customer, or ``None`` when WeCom does not know them and they were never stored.
    :raise WeComError: when WeCom cannot be reached or refuses (other than "no such contact").
    """
    return _refresh_customer(external_userid, ())[0]


def record_customer_added(
    external_userid: str, userid: str, *, state: str | None = None, half: bool = False
) -> Follow | None:
    """Apply "a customer added an RM" (add_external_contact / add_half_external_contact).

    The customer is refreshed from WeCom; the relation becomes active (or half-added, unless
    the RM had already confirmed it) only while WeCom still lists it, so a late event never
    revives a relation that has ended since.

    :param state: the channel code (渠道活码 state) from the event.
    :param half: the RM has not confirmed yet (半添加).
    :return: the follow, or ``None`` when WeCom no longer lists the relation.
    :raise WeComError: when WeCom cannot be reached or refuses.
    """
    before = get_follow(external_userid, userid)
    confirmed = before is not None and before.status == FOLLOW_ACTIVE
    customer, listed = _refresh_customer(external_userid, ())
    if customer is None or userid not in listed:
        return None
    follow = get_follow(external_userid, userid)
    follow.status = FOLLOW_HALF if half and not confirmed else FOLLOW_ACTIVE
    follow.removed_at = None
    follow.state = state or follow.state
    _update_presence(customer)
    db.session.flush()
    return follow


def _refresh_customer(
    external_userid: str, also_staff: tuple[str, ...]
) -> tuple[Customer | None, set[str]]:
    """Refresh a customer; also the userids of the RMs WeCom lists for them."""
    try:
        found = api.get_external_contact(get_client("contact"), external_userid)
    except InvalidRequest as exc:
        if exc.errcode not in CONTACT_GONE_ERRCODES:
            raise
        customer = get_customer(external_userid)
        if customer is not None:
            _end_unlisted(customer, listed=set())
        return customer, set()

    # Every RM first, before anything is written: an RM unknown here is fetched from WeCom,
    # and on SQLite a token fetch (its own connection) must not wait on our open write.
    staff_of = {userid: ensure_staff(userid) for userid in also_staff}
    staff_of.update({info.userid: ensure_staff(info.userid) for info in found.follows})
    customer = upsert_customer(found.contact)
    listed = set()
    for info in found.follows:
        staff = staff_of[info.userid]
        listed.add(staff.id)
        current = db.session.scalar(
            select(Follow).where(Follow.customer_id == customer.id, Follow.staff_id == staff.id)
        )
        upsert_follow(customer, staff, info, status=_status_after_refresh(current))
    _end_unlisted(customer, listed)
    return customer, {info.userid for info in found.follows}


def _end_unlisted(customer: Customer, listed: set[int]) -> None:
    for follow in customer.follows:
        if follow.staff_id not in listed and follow.status in LIVE_STATUSES:
            follow.status = FOLLOW_DELETED_BY_RM
            follow.removed_at = follow.removed_at or utcnow()
    _update_presence(customer)
    db.session.flush()
