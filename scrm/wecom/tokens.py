"""A wechatpy session storage backed by the ``wecom_token`` table.

Every process (gunicorn web workers, the worker, CLI commands) reads and writes the same
rows, so a token fetched by one process is used by all, and WeCom's ``gettoken`` is not
called once per process. A small in-process copy in front of the table spares a database
read on every WeCom call.

Writes go through their own short transaction on the engine, never through the caller's
session, so storing a token can never commit the caller's work. On SQLite a caller that has
already written in its own transaction holds the database lock; the token write then gives
up quickly and the token is kept in process memory only (the next process fetches its own),
rather than waiting on a lock its own thread holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from wechatpy.session import SessionStorage

from scrm.db import SQLITE_BUSY_TIMEOUT_MS, utcnow
from scrm.wecom.models import WeComToken

log = logging.getLogger(__name__)

# Treat a token as expired this long before WeCom does, so no call races the expiry.
EXPIRY_MARGIN = timedelta(seconds=120)
# Milliseconds a token write waits for SQLite's lock before keeping the token in memory only.
SQLITE_WRITE_WAIT_MS = 200


class DatabaseTokenStorage(SessionStorage):
    """wechatpy ``SessionStorage`` over the database, shared across processes."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.table = WeComToken.__table__
        self._memory: dict[str, tuple[str, datetime]] = {}
        # Tokens this process was told are dead, in case deleting them from the table failed.
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            cached = self._memory.get(key)
        if cached is not None and _fresh(cached[1]):
            return cached[0]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.value, self.table.c.expires_at).where(self.table.c.key == key)
            ).first()
        if row is None or not _fresh(row.expires_at) or row.value in self._revoked:
            return default
        with self._lock:
            self._memory[key] = (row.value, row.expires_at)
        return row.value

    def set(self, key, value, ttl=None):
        expires_at = utcnow() + timedelta(seconds=int(ttl or 7200))
        with self._lock:
            self._memory[key] = (value, expires_at)
        try:
            with self.engine.begin() as conn, _brief_sqlite_wait(conn):
                conn.execute(delete(self.table).where(self.table.c.key == key))
                conn.execute(
                    self.table.insert().values(key=key, value=value, expires_at=expires_at)
                )
        except IntegrityError:
            # Another process stored a fresh token for the same key at the same moment;
            # theirs is as good as ours.
            pass
        except OperationalError as exc:
            log.warning(
                "WeCom token kept in this process only; database busy (%s)", type(exc.orig).__name__
            )

    def delete(self, key):
        with self._lock:
            dead = self._memory.pop(key, None)
            if dead is not None:
                self._revoked.add(dead[0])
        try:
            with self.engine.begin() as conn, _brief_sqlite_wait(conn):
                conn.execute(delete(self.table).where(self.table.c.key == key))
        except OperationalError as exc:
            log.warning(
                "stale WeCom token not deleted from the database (%s); it will be "
                "replaced on the next fetch",
                type(exc.orig).__name__,
            )


@contextmanager
def _brief_sqlite_wait(conn: Connection) -> Iterator[None]:
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.execute(text(f"PRAGMA busy_timeout={SQLITE_WRITE_WAIT_MS}"))
    try:
        yield
    finally:
        conn.execute(text(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"))


def _fresh(expires_at: datetime) -> bool:
    return expires_at - EXPIRY_MARGIN > utcnow()
