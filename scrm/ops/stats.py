"""Counts of what scrm holds, for ``scrm stats`` and the status page. Only live rows count."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.review.models import OPEN, ReviewCase
from scrm.compliance.vocabulary import BLOCK
from scrm.customers.models import FOLLOW_ACTIVE, CorpTag, CorpTagGroup, Customer, Follow
from scrm.db import db
from scrm.directory.models import Department, Staff, StaffRole
from scrm.groups.models import GROUP_NORMAL, CustomerGroup, GroupMember
from scrm.inbox.models import APPLIED, FAILED, IGNORED, RECEIVED, InboundEvent
from scrm.outbox.models import DEAD, QUEUED, SENDING, SENT
from scrm.outbox.services import count_by_status
from scrm.sync.services import latest_sync_run

#: What each key counts; ``scrm stats --help`` and the status page show these.
DESCRIPTIONS = {
    "departments": "departments not removed",
    "staff": "staff not removed",
    "rms": "staff not removed who hold the rm role",
    "customers": "customers with at least one RM (not removed)",
    "follows": "active RM–customer relations",
    "groups": "customer groups neither removed nor dismissed",
    "group_members": "members who have not quit a live group",
    "tag_groups": "corp tag groups not removed",
    "tags": "corp tags not removed",
    "inbound_events_received": "callback events stored and waiting to be applied",
    "inbound_events_applied": "callback events applied",
    "inbound_events_failed": "callback events that failed every attempt (need a person)",
    "inbound_events_ignored": "callback events stored with no handler",
    "outbound_deliveries_queued": "outbound deliveries waiting for the worker (or in flight)",
    "outbound_deliveries_sent": "outbound deliveries WeCom accepted",
    "outbound_deliveries_dead": "outbound deliveries dead-lettered (see scrm outbox list)",
    "archived_messages": "messages in the archive (outbound, blocked attempts and ingested chats)",
    "archived_blocked": "archived messages the gate or the ingest scan decided to block",
    "review_cases_open": "compliance review cases still open",
}


def _count(statement) -> int:
    return int(db.session.scalar(statement) or 0)


def _count_live(model) -> int:
    return _count(select(func.count()).select_from(model).where(model.removed_at.is_(None)))


def collect_stats() -> dict[str, Any]:
    """Counts of the core entities (live rows only) and the last sync's outcome."""
    live_group = (CustomerGroup.removed_at.is_(None), CustomerGroup.status == GROUP_NORMAL)
    events = dict(
        db.session.execute(
            select(InboundEvent.status, func.count()).group_by(InboundEvent.status)
        ).all()
    )
    stats: dict[str, Any] = {
        "departments": _count_live(Department),
        "staff": _count_live(Staff),
        "rms": _count(
            select(func.count(func.distinct(Staff.id)))
            .join(StaffRole, StaffRole.staff_id == Staff.id)
            .where(Staff.removed_at.is_(None), StaffRole.role == "rm")
        ),
        "customers": _count_live(Customer),
        "follows": _count(
            select(func.count())
            .select_from(Follow)
            .where(Follow.status == FOLLOW_ACTIVE, Follow.removed_at.is_(None))
        ),
        "groups": _count(select(func.count()).select_from(CustomerGroup).where(*live_group)),
        "group_members": _count(
            select(func.count())
            .select_from(GroupMember)
            .join(CustomerGroup, GroupMember.group_id == CustomerGroup.id)
            .where(GroupMember.quit_at.is_(None), *live_group)
        ),
        "tag_groups": _count_live(CorpTagGroup),
        "tags": _count_live(CorpTag),
        "inbound_events_received": int(events.get(RECEIVED, 0)),
        "inbound_events_applied": int(events.get(APPLIED, 0)),
        "inbound_events_failed": int(events.get(FAILED, 0)),
        "inbound_events_ignored": int(events.get(IGNORED, 0)),
    }
    deliveries = count_by_status()
    stats["outbound_deliveries_queued"] = deliveries[QUEUED] + deliveries[SENDING]
    stats["outbound_deliveries_sent"] = deliveries[SENT]
    stats["outbound_deliveries_dead"] = deliveries[DEAD]
    decisions = dict(
        db.session.execute(
            select(ArchivedMessage.decision, func.count()).group_by(ArchivedMessage.decision)
        ).all()
    )
    stats["archived_messages"] = int(sum(decisions.values()))
    stats["archived_blocked"] = int(decisions.get(BLOCK, 0))
    stats["review_cases_open"] = _count(
        select(func.count()).select_from(ReviewCase).where(ReviewCase.status == OPEN)
    )
    run = latest_sync_run()
    stats["last_sync"] = (
        None
        if run is None
        else {
            "status": run.status,
            "stage": run.stage,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        }
    )
    return stats
