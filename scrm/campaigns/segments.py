"""Evaluating a segment (客户分群) in SQL: which customers, and which RM each one goes to.

A customer is selected by what is known of them (tags on any of their active follows, the
bank profile through the identity binding, customer-group membership, the last 1v1 contact in
the archive); RM filters (branch subtree, userids) and the caller's scope narrow which follow
relations count. **One RM per customer**: a customer followed by several eligible RMs goes to
the one who added them first (earliest ``followed_at``, then the oldest relation). Only
active follows count. Everything runs as a few SQL statements, never a loop over customers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, literal, select, true, union_all

from scrm.archive.chain.models import INBOUND, INGESTED, OUTBOUND, RELEASED, ArchivedMessage
from scrm.auth import BANK_WIDE_ROLES
from scrm.campaigns.filters import Filters, SegmentError, parse_filters
from scrm.customers.identity.models import BankCustomer, BankCustomerType, CustomerBinding
from scrm.customers.models import FOLLOW_ACTIVE, Customer, Follow, FollowTag
from scrm.db import UTCDateTime, db, is_postgres
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.groups.models import GROUP_NORMAL, MEMBER_CUSTOMER, CustomerGroup, GroupMember


@dataclass(frozen=True)
class Step:
    """One filter of the funnel: its words, and whether it narrows follows or customers."""

    label: str
    on_follow: bool
    condition: Any


@dataclass(frozen=True)
class Preview:
    """How many customers a segment selects, per RM, and how many each filter left out."""

    total: int
    per_rm: dict[str, int]
    excluded: list[dict[str, Any]]  # [{"filter": label, "customers": n}] in filter order


def subtree_of(department_id: int) -> list[int]:
    """The department and every department below it.

    :raise SegmentError: an unknown department.
    """
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    if department_id not in parents:
        raise SegmentError(f"department {department_id} is not known; run `scrm sync`")
    return department_subtree(parents, department_id)


def scope_condition(staff: Staff | None):
    """Which follows ``staff`` may reach: an RM their own, a branch lead their subtree's RMs',
    HQ everyone's; ``None`` (CLI operators) everyone's."""
    if staff is None or staff.role_names & BANK_WIDE_ROLES:
        return true()
    if "branch_lead" in staff.role_names and staff.department_id is not None:
        return Staff.department_id.in_(subtree_of(staff.department_id))
    if "rm" in staff.role_names:
        return Staff.id == staff.id
    return false()


def _recipients_table():
    """``archived_message.recipients`` as rows (``value``), in the database's own JSON."""
    fn = func.json_array_elements_text if is_postgres() else func.json_each
    return fn(ArchivedMessage.recipients).table_valued("value", joins_implicitly=True)


def contacts_since(moment) -> Any:
    """A select of the external_userids with a 1v1 message either way at or after ``moment``."""
    at = func.coalesce(ArchivedMessage.sent_at, ArchivedMessage.created_at)
    since = at >= literal(moment, UTCDateTime())
    inbound = select(ArchivedMessage.sender.label("eid")).where(
        ArchivedMessage.direction == INBOUND, ArchivedMessage.channel == "single", since
    )
    rows = _recipients_table()
    outbound = (
        select(rows.c.value.label("eid"))
        .select_from(ArchivedMessage)
        .join(rows, true())
        .where(
            ArchivedMessage.direction == OUTBOUND,
            ArchivedMessage.channel == "single",
            ArchivedMessage.outcome.in_((RELEASED, INGESTED)),
            since,
        )
    )
    both = union_all(inbound, outbound).subquery()
    return select(both.c.eid)


def steps_of(filters: Filters) -> list[Step]:
    """The funnel, in the order its counts are reported.

    Each customer filter is an uncorrelated ``IN (subquery)``: the database builds the set once
    (a hash semi-join), where a correlated EXISTS could be driven from the wrong index.
    """
    steps: list[Step] = []
    for i, ids in enumerate(filters.tag_groups, start=1):
        tagged = (
            select(Follow.customer_id)
            .join(FollowTag, FollowTag.follow_id == Follow.id)
            .where(Follow.status == FOLLOW_ACTIVE, FollowTag.corp_tag_id.in_(ids))
        )
        steps.append(Step(f"tags (group {i})", False, Customer.id.in_(tagged)))
    bank = select(CustomerBinding.customer_id).join(
        BankCustomer, BankCustomer.id == CustomerBinding.bank_customer_id
    )
    if filters.tiers:
        cond = BankCustomer.tier.in_(filters.tiers)
        steps.append(Step("tiers", False, Customer.id.in_(bank.where(cond))))
    if filters.aum_bands:
        cond = BankCustomer.aum_band.in_(filters.aum_bands)
        steps.append(Step("aum_bands", False, Customer.id.in_(bank.where(cond))))
    if filters.customer_types:
        typed = (
            select(CustomerBinding.customer_id)
            .join(
                BankCustomerType,
                BankCustomerType.bank_customer_id == CustomerBinding.bank_customer_id,
            )
            .where(BankCustomerType.type.in_(filters.customer_types))
        )
        steps.append(Step("customer_types", False, Customer.id.in_(typed)))
    if filters.department_id is not None:
        cond = Staff.department_id.in_(subtree_of(filters.department_id))
        steps.append(Step("department_id", True, cond))
    if filters.rm_userids:
        steps.append(Step("rm_userids", True, Staff.userid.in_(filters.rm_userids)))
    if filters.in_group:
        member = (
            select(GroupMember.member_userid)
            .join(CustomerGroup, CustomerGroup.id == GroupMember.group_id)
            .where(
                GroupMember.member_type == MEMBER_CUSTOMER,
                GroupMember.quit_at.is_(None),
                CustomerGroup.status == GROUP_NORMAL,
                CustomerGroup.removed_at.is_(None),
            )
        )
        if isinstance(filters.in_group, str):
            member = member.where(CustomerGroup.chat_id == filters.in_group)
        steps.append(Step("in_group", False, Customer.external_userid.in_(member)))
    if filters.last_contact_before is not None:
        recent = contacts_since(filters.last_contact_before)
        steps.append(Step("last_contact_before", False, Customer.external_userid.not_in(recent)))
    if filters.last_contact_after is not None:
        recent = contacts_since(filters.last_contact_after)
        steps.append(Step("last_contact_after", False, Customer.external_userid.in_(recent)))
    return steps


def _follows(follow_conds: list) -> Any:
    return (
        select(Follow.customer_id)
        .join(Staff, Staff.id == Follow.staff_id)
        .where(
            Follow.status == FOLLOW_ACTIVE,
            Follow.removed_at.is_(None),
            Staff.removed_at.is_(None),
            *follow_conds,
        )
    )


def _customers(steps: list[Step], scope) -> Any:
    follow_conds = [scope, *(s.condition for s in steps if s.on_follow)]
    customer_conds = [s.condition for s in steps if not s.on_follow]
    return select(Customer.id).where(
        Customer.removed_at.is_(None), Customer.id.in_(_follows(follow_conds)), *customer_conds
    )


def assignments(filters: Filters, scope) -> Any:
    """A subquery of ``(customer_id, external_userid, userid)``: each selected customer once,
    with the RM it goes to (the earliest eligible active follow)."""
    steps = steps_of(filters)
    follow_conds = [scope, *(s.condition for s in steps if s.on_follow)]
    rank = func.row_number().over(
        partition_by=Follow.customer_id,
        order_by=(Follow.followed_at.is_(None), Follow.followed_at, Follow.id),
    )
    ranked = (
        select(
            Follow.customer_id.label("customer_id"),
            Staff.userid.label("userid"),
            rank.label("rank"),
        )
        .join(Staff, Staff.id == Follow.staff_id)
        .where(
            Follow.status == FOLLOW_ACTIVE,
            Follow.removed_at.is_(None),
            Staff.removed_at.is_(None),
            Follow.customer_id.in_(_customers(steps, scope)),
            *follow_conds,
        )
        .subquery()
    )
    return (
        select(ranked.c.customer_id, Customer.external_userid, ranked.c.userid)
        .join(Customer, Customer.id == ranked.c.customer_id)
        .where(ranked.c.rank == 1)
        .subquery()
    )


def preview_segment(raw_filters: Any, *, scope_staff: Staff | None = None) -> Preview:
    """Count a segment: in total, per RM, and what each filter left out.

    :param raw_filters: the filters JSON (see :mod:`scrm.campaigns.filters`).
    :param scope_staff: whose customers may be reached (``None``: the whole bank).
    :raise SegmentError: bad filters, or nobody selected — naming the filter that emptied it.
    """
    filters = parse_filters(raw_filters)
    scope = scope_condition(scope_staff)
    steps = steps_of(filters)
    counts = [_count(_customers(steps[:i], scope)) for i in range(len(steps) + 1)]
    if counts[0] == 0:
        raise SegmentError(
            "no customer with an active follow is in your scope; sync customers (`scrm sync`) "
            "or ask someone whose scope covers them"
        )
    excluded = [
        {"filter": steps[i].label, "customers": counts[i] - counts[i + 1]}
        for i in range(len(steps))
    ]
    if counts[-1] == 0:
        i = next(i for i in range(len(steps)) if counts[i + 1] == 0)
        raise SegmentError(
            f"the segment is empty: filter {steps[i].label} left none of the {counts[i]} "
            "customers the filters before it selected; loosen or remove it"
        )
    picked = assignments(filters, scope)
    per_rm = dict(
        db.session.execute(
            select(picked.c.userid, func.count())
            .group_by(picked.c.userid)
            .order_by(picked.c.userid)
        ).all()
    )
    return Preview(total=counts[-1], per_rm=per_rm, excluded=excluded)


def segment_members(raw_filters: Any, *, scope_staff: Staff | None = None) -> list[tuple[str, str]]:
    """``(external_userid, userid)`` of every selected customer and their one RM, ordered.

    :raise SegmentError: bad filters.
    """
    picked = assignments(parse_filters(raw_filters), scope_condition(scope_staff))
    query = select(picked.c.external_userid, picked.c.userid).order_by(
        picked.c.userid, picked.c.external_userid
    )
    return [(e, u) for e, u in db.session.execute(query).all()]


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
