"""Review cases (复核): an archived message a compliance officer must look at. Review state
lives here, beside the append-only archive, never in it.

A case moves through :data:`STATUSES` by the transitions of :mod:`scrm.compliance.review.cases`;
every transition, comment and claim is one :class:`ReviewEvent`, written once and never
changed (the case's history).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scrm.db import Base, UTCDateTime

OPEN = "open"  # waiting for an officer
CLAIMED = "claimed"  # an officer is working on it (认领)
REVIEWED = "reviewed"  # an officer gave a verdict
ESCALATED = "escalated"  # handed up (上报), with a note
CLOSED = "closed"  # done
STATUSES = (OPEN, CLAIMED, REVIEWED, ESCALATED, CLOSED)

VIOLATION = "violation"  # 违规
FALSE_POSITIVE = "false_positive"  # 误报
NEEDS_FOLLOW_UP = "needs_follow_up"  # 需跟进
VERDICTS = (VIOLATION, FALSE_POSITIVE, NEEDS_FOLLOW_UP)

PROPOSED, ACCEPTED, REJECTED = "proposed", "accepted", "rejected"


class ReviewCase(Base):
    """One case per archived message, opened by its block/warn/flag hits."""

    __tablename__ = "review_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    archived_message_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("archived_message.id"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    categories: Mapped[list] = mapped_column(JSON)  # the categories of the hits, sorted
    highest_action: Mapped[str] = mapped_column(String(8))  # block | warn | flag
    # The branch (分行, level 2) of the sender when the case opened; None when unknown.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verdict: Mapped[str | None] = mapped_column(String(16))
    verdict_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewEvent(Base):
    """One step in a case's history: a transition, a comment, a claim or a release.
    Append-only: the code has no update or delete of these rows."""

    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # open | claim | verdict | comment | …
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # None: the system
    verdict: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AllowProposal(Base):
    """A phrase an officer proposes for the allow-list after a false positive (白名单建议).
    Accepting it writes nothing to ``sensitive_words/``: it yields the TSV line for the
    lexicon maintainer."""

    __tablename__ = "review_allow_proposal"
    __table_args__ = (UniqueConstraint("case_id", "phrase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("review_case.id"), index=True)
    phrase: Mapped[str] = mapped_column(String(100))
    term: Mapped[str] = mapped_column(String(100))  # the hit term the phrase suppresses
    category: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PROPOSED, index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OfficerBranch(Base):
    """A branch a compliance officer covers: their "my branches" filter (负责分行)."""

    __tablename__ = "review_officer_branch"
    __table_args__ = (UniqueConstraint("staff_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))


class BulkRequest(Base):
    """A bulk action already done, under the caller's request key: posting it again returns
    this result instead of acting twice."""

    __tablename__ = "review_bulk_request"
    __table_args__ = (UniqueConstraint("staff_id", "request_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    request_key: Mapped[str] = mapped_column(String(128))
    result: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cases: Mapped[int] = mapped_column(Integer, default=0)
