"""The JSON shapes of the customer profile API: the sidebar's customer card, tags by group,
the CIF binding, groups in common and notes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from scrm.customers.identity.models import (
    AUM_BAND_NAMES,
    BINDING_METHOD_NAMES,
    TIER_NAMES,
    CustomerBinding,
)
from scrm.customers.models import CorpTagGroup, Customer, Follow
from scrm.customers.notes.models import CustomerNote
from scrm.db import db
from scrm.directory.models import Staff
from scrm.groups.access import visible_groups
from scrm.groups.models import CustomerGroup, GroupMember


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def tags_by_group(follow: Follow) -> list[dict[str, Any]]:
    """The follow's tags, grouped by tag group name (personal tags under their own group)."""
    groups: dict[str, list[dict]] = {}
    for row in sorted(follow.tags, key=lambda r: (r.group_name or "", r.tag_name)):
        groups.setdefault(row.group_name or "", []).append(
            {
                "tag_id": row.tag_key if row.type != 2 else None,
                "name": row.tag_name,
                "type": {1: "corp", 2: "personal", 3: "rule"}.get(row.type, "corp"),
            }
        )
    return [{"group_name": name, "tags": tags} for name, tags in groups.items()]


def follow(row: Follow) -> dict[str, Any]:
    """One RM's relation with the customer: remark, channel (渠道活码 state), tags."""
    return {
        "userid": row.staff.userid,
        "rm_name": row.staff.name,
        "remark": row.remark,
        "description": row.description,
        "status": row.status,
        "channel_state": row.state,
        "add_way": row.add_way,
        "followed_at": _iso(row.followed_at),
        "tags": tags_by_group(row),
    }


def binding(customer: Customer) -> dict[str, Any] | None:
    """The CIF binding (机构内身份认证) with tier, AUM band and risk level; CIF masked."""
    row = db.session.scalar(
        select(CustomerBinding).where(CustomerBinding.customer_id == customer.id)
    )
    if row is None:
        return None
    bank = row.bank_customer
    cif = bank.cif_no
    return {
        "cif_no_masked": cif[:2] + "*" * (len(cif) - 6) + cif[-4:] if len(cif) > 6 else "***",
        "tier": bank.tier,
        "tier_name": TIER_NAMES.get(bank.tier or ""),
        "aum_band": bank.aum_band,
        "aum_band_name": AUM_BAND_NAMES.get(bank.aum_band or ""),
        "risk_level": bank.risk_level,
        "method": row.method,
        "method_name": BINDING_METHOD_NAMES.get(row.method),
        "verified_at": _iso(row.verified_at),
    }


def groups_in_common(staff: Staff, customer: Customer) -> list[dict[str, Any]]:
    """Live customer groups the customer is in and the caller owns, is in, or oversees."""
    with_customer = select(GroupMember.group_id).where(
        GroupMember.member_userid == customer.external_userid, GroupMember.quit_at.is_(None)
    )
    with_staff = select(GroupMember.group_id).where(
        GroupMember.member_userid == staff.userid, GroupMember.quit_at.is_(None)
    )
    rows = db.session.scalars(
        select(CustomerGroup)
        .where(
            CustomerGroup.id.in_(with_customer),
            CustomerGroup.removed_at.is_(None),
            CustomerGroup.dismissed_at.is_(None),
            or_(CustomerGroup.id.in_(with_staff), CustomerGroup.id.in_(visible_groups(staff))),
        )
        .order_by(CustomerGroup.name)
    )
    return [{"chat_id": g.chat_id, "name": g.name} for g in rows]


def note(row: CustomerNote, *, with_history: bool = False) -> dict[str, Any]:
    """A note; ``with_history`` adds its earlier wordings, oldest first."""
    data = {
        "id": row.id,
        "author": row.author.userid,
        "author_name": row.author.name,
        "text": row.text,
        "version": row.version,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }
    if with_history:
        data["history"] = [
            {
                "version": r.version,
                "text": r.text,
                "written_at": _iso(r.written_at),
                "replaced_at": _iso(r.replaced_at),
            }
            for r in row.revisions
        ]
    return data


def tag_groups() -> list[dict[str, Any]]:
    """The corp tag groups and tags WeCom currently has, in WeCom's order."""
    groups = db.session.scalars(
        select(CorpTagGroup)
        .where(CorpTagGroup.removed_at.is_(None))
        .order_by(CorpTagGroup.order.desc(), CorpTagGroup.id)
    )
    return [
        {
            "group_id": g.wecom_id,
            "group_name": g.name,
            "tags": [
                {"tag_id": t.wecom_id, "name": t.name}
                for t in sorted(g.tags, key=lambda t: (-t.order, t.id))
                if t.removed_at is None
            ],
        }
        for g in groups
    ]
