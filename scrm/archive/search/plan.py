"""How a search finds its page of message ids: one indexed statement per search, shaped so
the database reads little more than the page.

- Newest first is the message id, descending (ids follow archive time). The cursor and a time
  range both become id bounds, so a walk down the primary key starts and stops where the
  range does — read off the ``(created_at, message_id)`` index with a few minutes' slack,
  because the clocks of several web nodes never agree exactly; the exact time test stays.
- Facts (customer, group, category, term) are ``IN`` subqueries, so a rare value can drive.
- PostgreSQL chooses between the GIN index and the primary key by itself. SQLite cannot see
  inside FTS5, so it is told: when few messages pass the filters, each is checked for the
  words; otherwise FTS5 yields matches newest first and the filters are applied as it goes.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, cast, column, exists, func, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY

from scrm.archive.search.models import (
    CATEGORY,
    CUSTOMER,
    FTS_TABLE,
    GROUP,
    TERM,
    ArchiveSearchDoc,
    ArchiveSearchFact,
)
from scrm.archive.search.query import SearchQuery, postgres_tsquery, sqlite_match
from scrm.db import db
from scrm.directory.models import Department
from scrm.directory.tree import department_subtree

Doc = ArchiveSearchDoc
_fts = table(FTS_TABLE, column("rowid"))

#: SQLite: below this many messages passing the filters, each is checked for the words.
FEW_CANDIDATES = 1000
#: Messages searched first, newest first, before the rest of the range.
RECENT_WINDOW = 20_000
#: How far apart the archive clocks of two web nodes may be.
CLOCK_SLACK = timedelta(minutes=5)


def page_ids(query: SearchQuery, count: int) -> list[int]:
    """Up to ``count`` matching message ids, newest first.

    The newest ``RECENT_WINDOW`` messages of the range are searched first: a word in every
    twentieth message fills a page there at once, whatever the planner guesses about words
    that always come together (国债 逆 回购). Only a page left short searches the rest.

    :param query: a checked query.
    """
    low, high = id_bounds(query)
    if high is None:
        high = (db.session.scalar(select(func.max(Doc.message_id))) or 0) + 1
    window = high - RECENT_WINDOW
    if low is not None and window <= low:
        return list(db.session.scalars(matching_ids(query, (low, high)).limit(count)))
    ids = list(db.session.scalars(matching_ids(query, (window, high)).limit(count)))
    if len(ids) < count:
        rest = matching_ids(query, (low, window + 1)).limit(count - len(ids))
        ids += db.session.scalars(rest)
    return ids


def matching_ids(query: SearchQuery, bounds: tuple[int | None, int | None] | None = None):
    """The select of matching message ids, newest first, without a limit.

    :param query: a checked query.
    :param bounds: ids ``(low, high)`` to stay strictly between (``None`` for no bound);
        by default the query's own, from its time range and cursor.
    """
    low, high = id_bounds(query) if bounds is None else bounds
    if query.keyword is not None and db.session.get_bind().dialect.name == "sqlite":
        matches = literal_column(FTS_TABLE).op("MATCH")(sqlite_match(query.keyword))
        if not _few_candidates(query, low, high):
            # FTS5 drives: rowids newest first, stopping at the page's end.
            statement = (
                select(_fts.c.rowid)
                .select_from(_fts)
                .join(Doc, Doc.message_id == _fts.c.rowid)
                .where(matches)
            )
            statement = _between(statement, _fts.c.rowid, low, high)
            return _filtered(statement, query).order_by(_fts.c.rowid.desc())
        has_words = exists().select_from(_fts).where(matches, _fts.c.rowid == Doc.message_id)
        statement = _filtered(_between(select(Doc.message_id), Doc.message_id, low, high), query)
        # The words are checked last, once the cheap filters have passed.
        return statement.where(has_words).order_by(Doc.message_id.desc())
    statement = _between(select(Doc.message_id), Doc.message_id, low, high)
    if query.keyword is not None:
        tsquery = cast(postgres_tsquery(query.keyword), TSQUERY)
        statement = statement.where(Doc.words.op("@@")(tsquery))
    return _filtered(statement, query).order_by(Doc.message_id.desc())


def branch_departments(department_id: int) -> list[int]:
    """``department_id`` and every department under it (an unknown id matches nothing)."""
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    if department_id not in parents:
        return []
    return department_subtree(parents, department_id)


def id_bounds(query: SearchQuery) -> tuple[int | None, int | None]:
    """Ids strictly between which every message of the query's range and cursor lies."""
    low = high = None
    if query.start is not None:
        low = db.session.scalar(
            select(Doc.message_id)
            .where(Doc.created_at < query.start - CLOCK_SLACK)
            .order_by(Doc.created_at.desc(), Doc.message_id.desc())
            .limit(1)
        )
    if query.end is not None:
        high = db.session.scalar(
            select(Doc.message_id)
            .where(Doc.created_at >= query.end + CLOCK_SLACK)
            .order_by(Doc.created_at, Doc.message_id)
            .limit(1)
        )
    if query.before is not None:
        high = query.before if high is None else min(high, query.before)
    return low, high


def _between(statement: Select, id_column, low: int | None, high: int | None) -> Select:
    if low is not None:
        statement = statement.where(id_column > low)
    if high is not None:
        statement = statement.where(id_column < high)
    return statement


def _few_candidates(query: SearchQuery, low: int | None, high: int | None) -> bool:
    if not query.filters and query.before is None:
        return False
    candidates = _between(select(Doc.message_id), Doc.message_id, low, high)
    candidates = _filtered(candidates, query).limit(FEW_CANDIDATES)
    count = db.session.scalar(select(func.count()).select_from(candidates.subquery()))
    return count < FEW_CANDIDATES


def _filtered(statement: Select, query: SearchQuery) -> Select:
    for name in ("rm", "channel", "origin", "decision"):
        value = getattr(query, name)
        if value is not None:
            statement = statement.where(getattr(Doc, name) == value)
    if query.start is not None:
        statement = statement.where(Doc.created_at >= query.start)
    if query.end is not None:
        statement = statement.where(Doc.created_at < query.end)
    if query.branch is not None:
        statement = statement.where(Doc.department_id.in_(branch_departments(query.branch)))
    for kind, value in (
        (CUSTOMER, query.customer),
        (GROUP, query.group),
        (CATEGORY, query.category),
        (TERM, query.term),
    ):
        if value is not None:
            holding = select(ArchiveSearchFact.message_id).where(
                ArchiveSearchFact.kind == kind, ArchiveSearchFact.value == value
            )
            statement = statement.where(Doc.message_id.in_(holding))
    return statement
