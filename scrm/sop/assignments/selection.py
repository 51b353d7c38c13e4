"""Pick the customer groups an SOP template is assigned to: by branch, by customer tag, by name
pattern, or by chat id. Only open groups (not dismissed, still in WeCom) are picked."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, distinct, func, select

from scrm.customers.models import CorpTag, Customer, Follow, FollowTag
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.directory.tree import department_subtree
from scrm.errors import ScrmError
from scrm.groups.models import GROUP_NORMAL, MEMBER_CUSTOMER, CustomerGroup, GroupMember


class AssignmentError(ScrmError, ValueError):
    """An assignment, role or group selection that cannot be done; the message names the
    fix."""


def groups_by_branch(department_id: int) -> list[CustomerGroup]:
    """Open groups whose owner works in ``department_id`` or any department below it."""
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    if department_id not in parents:
        raise AssignmentError(
            f"department {department_id} is unknown; run `scrm sync` or check the id"
        )
    subtree = department_subtree(parents, department_id)
    return list(
        db.session.scalars(
            _open_groups()
            .join(Staff, Staff.id == CustomerGroup.owner_id)
            .where(Staff.department_id.in_(subtree))
        )
    )


def groups_by_customer_tag(tag_name: str, *, min_share: float = 0.5) -> list[CustomerGroup]:
    """Open groups in which at least ``min_share`` of the customers now in the group carry the
    corp tag ``tag_name`` from any RM (e.g. 代发 picks the payroll groups).

    :raise AssignmentError: the tag is unknown, or the share is not between 0 and 1.
    """
    tag_name = (tag_name or "").strip()
    if not 0 < min_share <= 1:
        raise AssignmentError("min_share must be more than 0 and at most 1, e.g. 0.5")
    known = db.session.scalar(
        select(CorpTag.id).where(CorpTag.name == tag_name, CorpTag.removed_at.is_(None)).limit(1)
    )
    if known is None:
        raise AssignmentError(f"corp tag {tag_name!r} is unknown; run `scrm sync` or check it")
    in_group = and_(GroupMember.member_type == MEMBER_CUSTOMER, GroupMember.quit_at.is_(None))
    customers = (
        select(GroupMember.group_id, func.count(GroupMember.id).label("n"))
        .where(in_group)
        .group_by(GroupMember.group_id)
        .subquery()
    )
    tagged = (
        select(GroupMember.group_id, func.count(distinct(GroupMember.id)).label("n"))
        .join(Customer, Customer.external_userid == GroupMember.member_userid)
        .join(Follow, and_(Follow.customer_id == Customer.id, Follow.removed_at.is_(None)))
        .join(FollowTag, FollowTag.follow_id == Follow.id)
        .join(CorpTag, and_(CorpTag.id == FollowTag.corp_tag_id, CorpTag.name == tag_name))
        .where(in_group)
        .group_by(GroupMember.group_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            _open_groups()
            .join(customers, customers.c.group_id == CustomerGroup.id)
            .join(tagged, tagged.c.group_id == CustomerGroup.id)
            .where(tagged.c.n >= customers.c.n * min_share)
        )
    )


def groups_by_name_pattern(pattern: str) -> list[CustomerGroup]:
    """Open groups whose name matches a glob, ``*`` for any text (e.g. ``财富沙龙*``)."""
    pattern = (pattern or "").strip()
    if not pattern.strip("*"):
        raise AssignmentError("give a group-name pattern with some text, e.g. 财富沙龙*")
    like = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
    return list(
        db.session.scalars(_open_groups().where(CustomerGroup.name.like(like, escape="\\")))
    )


def groups_by_ids(chat_ids: Iterable[str]) -> list[CustomerGroup]:
    """The open groups with these WeCom chat ids, in the order given.

    :raise AssignmentError: an id that is unknown, dismissed or gone, named in the message.
    """
    wanted = list(dict.fromkeys(chat_ids))
    found = {}
    for chunk in _chunks(wanted):
        found.update(
            (g.chat_id, g)
            for g in db.session.scalars(_open_groups().where(CustomerGroup.chat_id.in_(chunk)))
        )
    missing = [chat_id for chat_id in wanted if chat_id not in found]
    if missing:
        raise AssignmentError(
            f"no open group with chat id {', '.join(missing[:5])}; check the ids or run `scrm sync`"
        )
    return [found[chat_id] for chat_id in wanted]


def _open_groups():
    return (
        select(CustomerGroup)
        .where(CustomerGroup.status == GROUP_NORMAL, CustomerGroup.removed_at.is_(None))
        .order_by(CustomerGroup.id)
    )


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]
