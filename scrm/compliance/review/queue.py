"""The review queue (复核队列): cases filtered by status, branch, category, action, age and
assignee, oldest first, a page at a time (keyset: ``after`` the last id seen); and the branches
each officer covers (负责分行), behind the "my branches" filter.

An officer's branches are rows of ``review_officer_branch``, kept with
``scrm review cover USERID BRANCH_ID…``. A case knows its sender's branch from when it opened.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, delete, select

from scrm.archive.chain.models import ArchivedMessage
from scrm.compliance.review.models import STATUSES, OfficerBranch, ReviewCase
from scrm.compliance.review.sla import bucket_named
from scrm.compliance.vocabulary import ACTIONS
from scrm.db import db
from scrm.directory.models import Department, Staff
from scrm.errors import ScrmError

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class QueueFilter:
    """What to list. ``branch_ids=None`` is every branch; ``assignee_id=0`` is unassigned."""

    statuses: tuple[str, ...] = ()
    branch_ids: tuple[int, ...] | None = None
    category: str | None = None
    action: str | None = None
    age_bucket: str | None = None
    assignee_id: int | None = None
    after: int | None = None
    limit: int = PAGE_SIZE

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise ScrmError(f"status must be among {', '.join(STATUSES)}, not {unknown[0]!r}")
        if self.action is not None and self.action not in ACTIONS:
            raise ScrmError(f"action must be one of {', '.join(ACTIONS)}, not {self.action!r}")
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise ScrmError(f'"limit" must be between 1 and {MAX_PAGE_SIZE}')


def list_review_cases(
    wanted: QueueFilter, now: datetime
) -> tuple[list[tuple[ReviewCase, ArchivedMessage]], int | None]:
    """One page of the queue with each case's archived message, oldest first.

    :param now: the clock the age bucket is measured against.
    :return: the rows and the ``after`` value of the next page (``None`` on the last page).
    :raise ScrmError: an unknown status, action or age bucket.
    """
    query = select(ReviewCase, ArchivedMessage).join(
        ArchivedMessage, ArchivedMessage.id == ReviewCase.archived_message_id
    )
    if wanted.statuses:
        query = query.where(ReviewCase.status.in_(wanted.statuses))
    if wanted.branch_ids is not None:
        query = query.where(ReviewCase.branch_id.in_(wanted.branch_ids))
    if wanted.category:
        # The categories column is a JSON list; its stored text holds each one JSON-encoded.
        needle = json.dumps(wanted.category)
        query = query.where(cast(ReviewCase.categories, String).contains(needle, autoescape=True))
    if wanted.action:
        query = query.where(ReviewCase.highest_action == wanted.action)
    if wanted.assignee_id == 0:
        query = query.where(ReviewCase.assignee_id.is_(None))
    elif wanted.assignee_id is not None:
        query = query.where(ReviewCase.assignee_id == wanted.assignee_id)
    if wanted.age_bucket:
        after, until = bucket_named(wanted.age_bucket).opened_between(now)
        query = query.where(ReviewCase.opened_at <= until)
        if after is not None:
            query = query.where(ReviewCase.opened_at > after)
    if wanted.after is not None:
        query = query.where(ReviewCase.id > wanted.after)
    rows = db.session.execute(query.order_by(ReviewCase.id).limit(wanted.limit + 1)).all()
    more = len(rows) > wanted.limit
    rows = [(case, message) for case, message in rows[: wanted.limit]]
    return rows, (rows[-1][0].id if more else None)


def officer_branches(officer: Staff) -> list[int]:
    """The branch ids an officer covers (empty: none set yet)."""
    return list(
        db.session.scalars(
            select(OfficerBranch.department_id)
            .where(OfficerBranch.staff_id == officer.id)
            .order_by(OfficerBranch.department_id)
        )
    )


def cover_branches(officer: Staff, branch_ids: Sequence[int]) -> list[int]:
    """Set the branches an officer covers, replacing what was there (flushes).

    :param branch_ids: level-2 departments (分行); an empty list clears the officer's cover.
    :raise ScrmError: not an officer, an unknown department, or one that is not a branch.
    """
    if "compliance" not in officer.role_names:
        raise ScrmError(
            f"{officer.userid} is not a compliance officer; only officers cover branches"
        )
    wanted = sorted(set(branch_ids))
    for department_id in wanted:
        department = db.session.get(Department, department_id)
        if department is None:
            raise ScrmError(f"department {department_id} is unknown; run `scrm sync` or check it")
        if department.level != "branch":
            raise ScrmError(
                f"department {department_id} ({department.name}) is a {department.level}, not "
                "a branch; cases are assigned by branch (the level under head office)"
            )
    db.session.execute(delete(OfficerBranch).where(OfficerBranch.staff_id == officer.id))
    db.session.add_all(OfficerBranch(staff_id=officer.id, department_id=d) for d in wanted)
    db.session.flush()
    return wanted
