"""What the sidebar shows beside a chat: the to-do counts on the entry screen, the recent
messages and open to-dos with one customer, and the group view (members and growth, my role,
today's SOP to-dos with their text, the check-in board, recent activity)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from scrm.archive.chain.models import INGESTED, RELEASED, ArchivedMessage
from scrm.custody.models import OPEN, Handover
from scrm.customers.models import Customer
from scrm.db import db, utcnow
from scrm.directory.models import Staff
from scrm.groups.models import MEMBER_CUSTOMER, CustomerGroup, GroupMember
from scrm.moments.models import (
    FOLLOW_UP_OPEN,
    POST_PUBLISHING,
    MomentFollowUp,
    MomentPost,
    MomentPublication,
)
from scrm.sop.checkins.board import leaderboard
from scrm.sop.models import TASK_PENDING, TODO, GroupRoleHolder, SopTask
from scrm.sop.roles import GROUP_OWNER_ROLE
from scrm.sop.tasks.execution import StepContentError, local_day, resolve_library_content, step_of

BANK_TIME = ZoneInfo("Asia/Shanghai")
MESSAGES_MAX = 50
_SCAN_ROWS = 2000  # newest single-chat rows of each side looked at for one conversation


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _end_of_today(now: datetime) -> datetime:
    local = now.astimezone(BANK_TIME)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def todo_counts(staff: Staff) -> dict[str, int]:
    """The entry screen's counts: SOP to-dos due by the end of today, central moments to
    publish, comment follow-ups, and open handovers the RM gives or takes."""
    now = utcnow()
    count = db.session.scalar
    return {
        "sop_tasks": count(
            select(func.count(SopTask.id)).where(
                SopTask.assignee_id == staff.id,
                SopTask.mode == TODO,
                SopTask.status == TASK_PENDING,
                SopTask.due_at < _end_of_today(now),
            )
        ),
        "moments_to_publish": count(
            select(func.count(MomentPublication.id))
            .join(MomentPost, MomentPost.id == MomentPublication.post_id)
            .where(
                MomentPublication.staff_id == staff.id,
                MomentPublication.published.is_(False),
                MomentPublication.invalid_reason.is_(None),
                MomentPost.status == POST_PUBLISHING,
            )
        ),
        "comment_follow_ups": count(
            select(func.count(MomentFollowUp.id)).where(
                MomentFollowUp.staff_id == staff.id, MomentFollowUp.status == FOLLOW_UP_OPEN
            )
        ),
        "handovers": count(
            select(func.count(Handover.id)).where(
                Handover.status == OPEN,
                or_(Handover.takeover_staff_id == staff.id, Handover.handover_staff_id == staff.id),
            )
        ),
    }


def recent_messages(staff: Staff, customer: Customer, limit: int = 20) -> list[dict[str, Any]]:
    """The last ``limit`` messages of the 1v1 chat between the RM and the customer, newest
    last: what the RM sent (through scrm or read back from WeCom's archive) and what the
    customer wrote. Blocked and unconfirmed attempts never reached the customer: left out."""
    limit = max(1, min(limit, MESSAGES_MAX))
    rows = []
    for sender, other in (
        (staff.userid, customer.external_userid),
        (customer.external_userid, staff.userid),
    ):
        for message in db.session.scalars(
            select(ArchivedMessage)
            .where(
                ArchivedMessage.sender == sender,
                ArchivedMessage.channel == "single",
                ArchivedMessage.outcome.in_((RELEASED, INGESTED)),
            )
            .order_by(ArchivedMessage.id.desc())
            .limit(_SCAN_ROWS)
        ):
            if other in (message.recipients or ()):
                rows.append(message)
    rows = sorted(rows, key=lambda m: m.id)[-limit:]
    return [
        {
            "id": m.id,
            "from": "rm" if m.sender == staff.userid else "customer",
            "text": m.text,
            "msgtype": m.msgtype,
            "origin": m.origin,
            "at": _iso(m.sent_at or m.created_at),
        }
        for m in rows
    ]


def customer_todos(staff: Staff, customer: Customer) -> list[dict[str, Any]]:
    """The RM's open to-dos about this customer: a comment follow-up on their moment, and
    pending SOP to-dos in customer groups the customer is in."""
    items = [
        {
            "kind": "comment_follow_up",
            "id": f.id,
            "title": "客户评论了您的朋友圈，请一对一跟进",
            "at": _iso(f.created_at),
        }
        for f in db.session.scalars(
            select(MomentFollowUp).where(
                MomentFollowUp.staff_id == staff.id,
                MomentFollowUp.external_userid == customer.external_userid,
                MomentFollowUp.status == FOLLOW_UP_OPEN,
            )
        )
    ]
    in_groups = select(GroupMember.group_id).where(
        GroupMember.member_userid == customer.external_userid, GroupMember.quit_at.is_(None)
    )
    for task in db.session.scalars(
        select(SopTask)
        .where(
            SopTask.assignee_id == staff.id,
            SopTask.mode == TODO,
            SopTask.status == TASK_PENDING,
            SopTask.group_id.in_(in_groups),
        )
        .order_by(SopTask.due_at)
        .limit(20)
    ):
        group = db.session.get(CustomerGroup, task.group_id)
        items.append(
            {
                "kind": "sop_task",
                "id": task.id,
                "title": f"{group.name}：SOP 待办",
                "at": _iso(task.due_at),
            }
        )
    return items


def group_view(staff: Staff, group: CustomerGroup) -> dict[str, Any]:
    """The group screen: name, members and growth over 7 days, the caller's roles, today's
    SOP to-dos of theirs (with the text to send), the check-in board and recent activity."""
    now = utcnow()
    week_ago = now - timedelta(days=7)
    members = list(db.session.scalars(select(GroupMember).where(GroupMember.group_id == group.id)))
    live = [m for m in members if m.quit_at is None]
    roles = sorted(
        db.session.scalars(
            select(GroupRoleHolder.role).where(
                GroupRoleHolder.group_id == group.id, GroupRoleHolder.staff_id == staff.id
            )
        )
    )
    if group.owner_id == staff.id and GROUP_OWNER_ROLE not in roles:
        roles.insert(0, GROUP_OWNER_ROLE)
    return {
        "group": {
            "chat_id": group.chat_id,
            "name": group.name,
            "owner": group.owner.name if group.owner else None,
            "notice": group.notice,
        },
        "members": {
            "total": len(live),
            "customers": sum(1 for m in live if m.member_type == MEMBER_CUSTOMER),
            "joined_7d": sum(1 for m in members if m.joined_at and m.joined_at >= week_ago),
            "left_7d": sum(1 for m in members if m.quit_at and m.quit_at >= week_ago),
        },
        "my_roles": roles,
        "tasks": _today_tasks(staff, group, now),
        "checkin_board": [
            {"name": e.name, "total": e.total, "streak": e.current_streak}
            for e in leaderboard(group, limit=5)
        ],
        "activity": _activity(members),
    }


def _today_tasks(staff: Staff, group: CustomerGroup, now: datetime) -> list[dict[str, Any]]:
    tasks = db.session.scalars(
        select(SopTask)
        .where(
            SopTask.group_id == group.id,
            SopTask.assignee_id == staff.id,
            SopTask.mode == TODO,
            SopTask.due_at >= now - timedelta(days=2),
            SopTask.due_at < now + timedelta(days=2),
        )
        .order_by(SopTask.due_at, SopTask.id)
    )
    found = []
    for task in tasks:
        start, end = local_day(task)
        if not start <= now < end:
            continue
        try:
            content = resolve_library_content(step_of(task).get("content")) or {}
        except StepContentError as error:
            content = {"error": str(error)}
        found.append(
            {
                "id": task.id,
                "role": task.role,
                "status": task.status,
                "due_at": _iso(task.due_at),
                "text": content.get("text") if isinstance(content, dict) else None,
                "content_error": content.get("error") if isinstance(content, dict) else None,
            }
        )
    return found


def _activity(members: list[GroupMember]) -> list[dict[str, Any]]:
    events = []
    for m in members:
        name = m.group_nickname or m.name or m.member_userid
        if m.joined_at:
            events.append((m.joined_at, {"kind": "joined", "name": name, "at": _iso(m.joined_at)}))
        if m.quit_at:
            events.append((m.quit_at, {"kind": "left", "name": name, "at": _iso(m.quit_at)}))
    return [e for _, e in sorted(events, key=lambda pair: pair[0], reverse=True)[:8]]
