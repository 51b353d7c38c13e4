"""Checks a channel must pass before it is saved: its RMs, its welcome text, tags and group.

Each failure raises :class:`ChannelError` whose message names the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from scrm.compliance.decisions import explain_hits, judge
from scrm.compliance.lexicon.active import current_lexicon
from scrm.compliance.vocabulary import BLOCK, WARN, InvalidMessage
from scrm.customers.models import CorpTag
from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.directory.tree import department_subtree
from scrm.errors import ScrmError
from scrm.groups.models import GROUP_NORMAL, CustomerGroup
from scrm.outbox.kinds import WELCOME_MSG, InvalidDelivery, validate_payload
from scrm.wecom.endpoints import contact_way as ways


class ChannelError(ScrmError, ValueError):
    """A channel that cannot be saved as asked; the message names the fix."""


def resolve_rms(userids: Sequence[str], department_id: int | None) -> list[Staff]:
    """The RMs a channel adds: the userids given, or every current RM of a department and below.

    :raise ChannelError: an unknown userid, staff without 客户联系, none at all, or over 100.
    """
    if bool(userids) == (department_id is not None):
        raise ChannelError("name the RMs with either userids or one department, not both")
    if department_id is not None:
        parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
        if department_id not in parents:
            raise ChannelError(f"department {department_id} is unknown; run `scrm sync`")
        found = list(
            db.session.scalars(
                select(Staff)
                .join(StaffRole, StaffRole.staff_id == Staff.id)
                .where(
                    StaffRole.role == "rm",
                    Staff.removed_at.is_(None),
                    Staff.is_follow_user.is_(True),
                    Staff.department_id.in_(department_subtree(parents, department_id)),
                )
                .order_by(Staff.userid)
            )
        )
        if not found:
            raise ChannelError(f"department {department_id} has no RM with 客户联系 enabled")
    else:
        wanted = list(dict.fromkeys(userids))
        staff = {
            s.userid: s
            for s in db.session.scalars(select(Staff).where(Staff.userid.in_(wanted)))
            if s.removed_at is None
        }
        unknown = [u for u in wanted if u not in staff]
        if unknown:
            raise ChannelError(f"unknown staff {', '.join(unknown)}; check the userid or sync")
        without = [u for u in wanted if not staff[u].is_follow_user]
        if without:
            raise ChannelError(
                f"{', '.join(without)} may not add customers (no 客户联系); enable it for them "
                "in the WeCom admin (客户联系 → 使用范围) or choose other RMs"
            )
        found = [staff[u] for u in wanted]
    if len(found) > ways.MAX_USERS:
        raise ChannelError(f"{len(found)} RMs; WeCom allows {ways.MAX_USERS} per code — split it")
    return found


def check_welcome(
    text: str | None, attachments: Sequence[Mapping[str, Any]], confirm_reason: str | None
) -> None:
    """Refuse a welcome text the gate would stop, or a warned one without a reason.

    :raise ChannelError: naming the words, their category and legal basis.
    """
    if not text and not attachments:
        return
    payload = {"welcome_code": "check", "attachments": list(attachments)}
    if text:
        payload["text"] = {"content": text}
    try:
        validate_payload(WELCOME_MSG, payload)
        verdict = judge(text, list(attachments), "single", current_lexicon())
    except (InvalidDelivery, InvalidMessage) as exc:
        raise ChannelError(f"welcome message: {exc}") from None
    if verdict.decision == BLOCK:
        raise ChannelError(
            f"the welcome text would be blocked: {explain_hits(verdict.hits)} — reword it"
        )
    if verdict.decision == WARN and not (confirm_reason or "").strip():
        raise ChannelError(
            f"the welcome text needs a reason to go: {explain_hits(verdict.hits)} — reword "
            "it, or give confirm_reason (--confirm-reason) saying why it is fine"
        )


def check_tags(tag_ids: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(tag_ids))
    if len(wanted) > 100:
        raise ChannelError(f"{len(wanted)} tags; WeCom puts at most 100 on at once — pick fewer")
    known = set(
        db.session.scalars(
            select(CorpTag.wecom_id).where(
                CorpTag.wecom_id.in_(wanted), CorpTag.removed_at.is_(None)
            )
        )
    )
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise ChannelError(f"unknown corp tags {', '.join(unknown)}; run `scrm sync` or check")
    return wanted


def check_group(chat_id: str) -> CustomerGroup:
    group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.chat_id == chat_id))
    if group is None or group.status != GROUP_NORMAL:
        raise ChannelError(f"customer group {chat_id!r} is unknown or dismissed; pick another")
    return group
