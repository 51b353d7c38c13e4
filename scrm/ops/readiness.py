"""Readiness (``/readyz``): can this process serve? The database answers, its schema is at the
migrations' head, and the compliance lexicon is loaded and holds terms. Liveness (``/healthz``)
asks none of this: a process that answers is alive.

Each check's reason is shown to whoever asks (a load balancer, an operator): Chinese first,
then English, never a secret, a URI or a stack trace.
"""

from __future__ import annotations

from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from scrm.compliance.lexicon.active import LexiconError, current_lexicon
from scrm.db import db
from scrm.ops.database_check import latest_heads

OK = "ok"
_INIT_DB = "run `flask --app app scrm init-db`"


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check.

    :return: ``(ready, checks)``: each check's name and ``"ok"`` or the reason it failed.
    """
    checks = _database_checks()
    checks["lexicon"] = _lexicon_check()
    return all(value == OK for value in checks.values()), checks


def _database_checks() -> dict[str, str]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        # The class only: a driver's message may name the host, the user or the file.
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return {
            "database": f"数据库无法连接 (the database does not answer: {reason}; check "
            "SQLALCHEMY_DATABASE_URI and the database server)",
            "schema": "未检查 (not checked: the database does not answer)",
        }
    latest = latest_heads()
    if current != latest:
        at = ", ".join(sorted(current)) or "no schema"
        return {
            "database": OK,
            "schema": f"数据库结构不是最新 (the schema is at {at}, the migrations' head is "
            f"{', '.join(sorted(latest))}; {_INIT_DB})",
        }
    return {"database": OK, "schema": OK}


def _lexicon_check() -> str:
    try:
        lexicon = current_lexicon()
    except LexiconError as exc:
        return (
            f"词库无法加载 (no valid lexicon is loaded: {len(exc.problems)} problem(s) in "
            "LEXICON_DIR; run `flask --app app scrm lexicon check`)"
        )
    if not lexicon.terms:
        return "词库为空 (the lexicon has no terms; add terms to the files in LEXICON_DIR)"
    return OK
