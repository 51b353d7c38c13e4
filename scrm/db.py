"""Database plumbing: the declarative Base, the ``db`` extension, migrations, SQLite pragmas,
the UTC time helpers every model uses, and the one place work is committed: after each request
(:func:`init_app`) and around each command (:func:`commits`). Services flush; only steps that
must be durable before the next one (outbox marks, sync pages, claims, leases) commit
themselves, each saying why."""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from flask import Flask, Response
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

_P = ParamSpec("_P")
_R = TypeVar("_R")

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(directory=MIGRATIONS_DIR)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


#: The instants scrm takes from outside (WeCom's epoch seconds, dates and times in a request):
#: WeCom began long after the first and nothing scrm keeps is dated after the last. Python's
#: datetime ends at the year 9999 (a millisecond timestamp read as seconds lands in 57970), and
#: arithmetic near either end overflows; inside this range neither database nor Python does.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)


def from_timestamp(seconds: int | float | str | None) -> datetime | None:
    """A WeCom epoch-seconds value as an aware UTC datetime (``None`` for 0/empty).

    :raise ValueError: for anything but whole seconds (ASCII digits) from :data:`EARLIEST` to
        :data:`LATEST`, e.g. milliseconds; the message never quotes the value.
    """
    if seconds in (None, "", 0, "0"):
        return None
    if isinstance(seconds, str):
        text = seconds.strip()
        number = int(text) if text.isascii() and text.isdigit() else None
    elif isinstance(seconds, int | float) and not isinstance(seconds, bool):
        number = int(seconds) if math.isfinite(seconds) else None
    else:
        number = None
    if number is None or not EARLIEST.timestamp() <= number <= LATEST.timestamp():
        raise ValueError(
            f"not epoch seconds from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} "
            "(milliseconds, or not a whole number)"
        )
    return datetime.fromtimestamp(number, UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use scrm.db.utcnow() or an aware value")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


#: Milliseconds SQLite waits for another writer before failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # WAL lets the web and the worker read while the other writes; foreign keys are off by
    # default in SQLite; the busy timeout turns short lock waits into waits, not errors.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def insert_unless_present(
    table: Table, index_elements: Sequence[str], *, dialect: str, returning: Sequence[str] = ()
):
    """``INSERT … ON CONFLICT (index_elements) DO NOTHING`` for ``table``, built once per
    process. Execute it with parameters (one dict, or a list for executemany); with
    ``returning``, only the rows this statement inserted come back (psycopg's rowcount is not
    reliable for it).

    :param dialect: the connection's dialect name; scrm runs on PostgreSQL and SQLite.
    :raise RuntimeError: for any other database.
    """
    return _insert_unless_present(table, tuple(index_elements), dialect, tuple(returning))


@functools.cache
def _insert_unless_present(table: Table, index_elements, dialect: str, returning):
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"scrm supports PostgreSQL and SQLite, not {dialect}")
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = dialect_insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    return statement


def is_postgres() -> bool:
    """True when the application database is PostgreSQL."""
    return db.engine.dialect.name == "postgresql"


def commits(work: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a unit of work outside a request (a CLI command, a demo step): commit when it
    returns, roll back when it raises (``click.ClickException`` and ``SystemExit`` included),
    so a command that fails half-way writes nothing. Put it right above the ``def``."""

    @functools.wraps(work)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            result = work(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run


def _commit_or_roll_back(response: Response) -> Response:
    # The one place a request's work is committed: an answer under 400 is applied, any other
    # (a refusal, an error) leaves the database as it was. Runs before the body is sent, so a
    # client never holds an answer whose writes are lost. Requests that never opened a session
    # (the WeCom callback writes on its own connection) cost nothing here.
    if db.session.registry.has():
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
    return response


def _roll_back_after_error(error: BaseException | None) -> None:
    # An exception no error handler turned into an answer (or the commit above failing) must
    # not leave its writes in a session that outlives the request (tests share one).
    if error is not None and db.session.registry.has():
        db.session.rollback()


def init_app(app: Flask) -> None:
    """Bind the extension and migrations, import every model so metadata is complete, and
    commit each request's work once it has answered (see :func:`_commit_or_roll_back`)."""
    from scrm import models  # noqa: F401  (registers every table on Base.metadata)

    db.init_app(app)
    migrate.init_app(app, db)
    app.after_request(_commit_or_roll_back)
    app.teardown_request(_roll_back_after_error)
