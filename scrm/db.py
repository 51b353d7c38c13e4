"""Database plumbing: the declarative Base, the ``db`` extension, migrations, SQLite pragmas
and the UTC time helpers every model uses."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from datetime import UTC, datetime

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

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


def from_timestamp(seconds: int | float | str | None) -> datetime | None:
    """A WeCom epoch-seconds value as an aware UTC datetime (``None`` for 0/empty)."""
    if seconds in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(seconds), UTC)


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


def init_app(app: Flask) -> None:
    """Bind the extension and migrations, and import every model so metadata is complete."""
    from scrm import models  # noqa: F401  (registers every table on Base.metadata)

    db.init_app(app)
    migrate.init_app(app, db)
