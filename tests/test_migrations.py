"""`scrm init-db` brings any database to the latest schema, and the models match it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from scrm.archive.search.models import include_object
from scrm.db import Base, db


def test_migrated_schema_matches_the_models(app_ctx):
    with db.engine.connect() as conn:
        # include_object leaves out SQLite's FTS5 search table and its shadow tables.
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_init_db_is_safe_to_rerun(runner, app):
    first = runner.invoke(args=["scrm", "init-db"])
    second = runner.invoke(args=["scrm", "init-db"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    for table in (
        "department",
        "staff",
        "customer",
        "follow",
        "customer_group",
        "group_member",
        "corp_tag",
        "inbound_event",
        "sync_run",
        "wecom_token",
        "worker_lease",
    ):
        assert table in tables


def test_init_db_builds_an_empty_database_from_nothing(tmp_path):
    from scrm import create_app

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/fresh.sqlite3"},
        instance_path=str(tmp_path),
    )
    result = app.test_cli_runner().invoke(args=["scrm", "init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "follow_tag" in inspect(db.engine).get_table_names()
        db.engine.dispose()
