"""The search index's schema: the models match the migration, and the only objects no model
describes are SQLite's FTS5 table and its shadow tables, which Alembic is told to leave alone."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from scrm.archive.search.models import FTS_TABLE, include_object
from scrm.db import Base, db


def test_models_match_the_migrated_schema_apart_from_the_fts_tables(app_ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []
        unfiltered = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    extra = {diff[1].name for diff in unfiltered if diff[0] == "remove_table"}
    if db.engine.dialect.name == "sqlite":
        assert FTS_TABLE in extra and all(name.startswith(FTS_TABLE) for name in extra)
    else:
        assert unfiltered == []
