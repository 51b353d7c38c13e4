"""A wechatpy session storage backed by the ``wecom_token`` table.

Every process (gunicorn web workers, the worker, CLI commands) reads and writes the same
rows, so a token fetched by one process is used by all, and WeCom's ``gettoken`` is not
called once per process. Writes go through their own short transaction on the engine, never
through the caller's session, so fetching a token can never commit the caller's work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from wechatpy.session import SessionStorage

from scrm.db import utcnow
from scrm.wecom.models import WeComToken

# Treat a token as expired this long before WeCom does, so no call races the expiry.
EXPIRY_MARGIN = timedelta(seconds=120)


class DatabaseTokenStorage(SessionStorage):
    """wechatpy ``SessionStorage`` over the database, shared across processes."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.table = WeComToken.__table__

    def get(self, key, default=None):
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.value, self.table.c.expires_at).where(self.table.c.key == key)
            ).first()
        if row is None:
            return default
        if row.expires_at - EXPIRY_MARGIN <= utcnow():
            return default
        return row.value

    def set(self, key, value, ttl=None):
        expires_at = utcnow() + timedelta(seconds=int(ttl or 7200))
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(self.table).where(self.table.c.key == key))
                conn.execute(
                    self.table.insert().values(key=key, value=value, expires_at=expires_at)
                )
        except IntegrityError:
            # Another process stored a fresh token for the same key at the same moment;
            # theirs is as good as ours.
            pass

    def delete(self, key):
        with self.engine.begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.key == key))
