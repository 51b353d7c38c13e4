"""The database part of ``scrm check-config``: the URI parses, the server answers, and the
schema is at the latest migration."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from scrm.db import MIGRATIONS_DIR
from scrm.ops.config_check import ERROR, OK, Finding

KEY = "SQLALCHEMY_DATABASE_URI"
_INIT_DB = "run `flask --app app scrm init-db`"


@functools.cache
def latest_heads() -> set[str]:
    """The head revisions of the migrations shipped with this code (read once per process)."""
    config = Config(os.path.join(MIGRATIONS_DIR, "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return set(ScriptDirectory.from_config(config).get_heads())


def _current_heads(url: URL) -> set[str]:
    connect_args = {"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def check_database(app: Flask) -> Iterator[Finding]:
    """The database URI, the connection and the schema version, one finding each."""
    uri = app.config.get(KEY) or ""
    try:
        url = make_url(uri)
    except ArgumentError:
        yield Finding(
            ERROR,
            KEY,
            "is not a database URL; use sqlite:////absolute/path.sqlite3 or "
            "postgresql+psycopg://user:password@host/dbname",
        )
        return
    shown = url.render_as_string(hide_password=True)
    yield Finding(OK, KEY, shown)

    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not os.path.exists(url.database):
            yield Finding(ERROR, "database", f"{url.database} does not exist yet; {_INIT_DB}")
            return
    try:
        current = _current_heads(url)
    except ModuleNotFoundError as exc:
        hint = "pip install 'scrm[postgres]'"
        yield Finding(ERROR, "database", f"the driver is not installed ({exc.name}); {hint}")
        return
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        yield Finding(
            ERROR, "database", f"cannot connect to {shown}: {reason}; check the server and URI"
        )
        return
    yield Finding(OK, "database", "reachable")
    latest = latest_heads()
    if current != latest:
        at = ", ".join(sorted(current)) or "no schema"
        yield Finding(
            ERROR,
            "schema",
            f"at {at}, latest is {', '.join(sorted(latest))}; {_INIT_DB}",
        )
    else:
        yield Finding(OK, "schema", f"at the latest migration ({', '.join(sorted(latest))})")
