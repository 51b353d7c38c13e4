"""archive search index (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and the access audit

Revision ID: c5a10000b005
Revises: c5a10000b004
Create Date: 2026-11-22 20:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c5a10000b005"
down_revision = "c5a10000b004"
branch_labels = None
depends_on = None

REFUSED = "access_audit is append-only"

# Contentless: the words are only matched, never read back (the archive holds the text).
SQLITE_FTS = """CREATE VIRTUAL TABLE archive_search_fts USING fts5(
    words, content='', columnsize=0, tokenize='unicode61 remove_diacritics 0')"""

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER access_audit_refuse_update BEFORE UPDATE ON access_audit
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused; add a new row instead'); END""",
    f"""CREATE TRIGGER access_audit_refuse_delete BEFORE DELETE ON access_audit
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION access_audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % refused', TG_OP
            USING HINT = 'add a new row instead; test suites empty it with '
                         'SET LOCAL session_replication_role = replica';
    END
    $$""",
    """CREATE TRIGGER access_audit_refuse_update_delete
    BEFORE UPDATE OR DELETE ON access_audit
    FOR EACH ROW EXECUTE FUNCTION access_audit_refuse_change()""",
    """CREATE TRIGGER access_audit_refuse_truncate
    BEFORE TRUNCATE ON access_audit
    FOR EACH STATEMENT EXECUTE FUNCTION access_audit_refuse_change()""",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    words = postgresql.TSVECTOR() if dialect == "postgresql" else sa.Text()
    op.create_table(
        "archive_search_doc",
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("rm", sa.String(length=64), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("conversation", sa.String(length=200), nullable=True),
        sa.Column("words", words, nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_archive_search_doc")),
    )
    with op.batch_alter_table("archive_search_doc", schema=None) as batch_op:
        batch_op.create_index(
            "ix_archive_search_doc_created_at_message", ["created_at", "message_id"]
        )
        batch_op.create_index("ix_archive_search_doc_rm_message", ["rm", "message_id"])
        batch_op.create_index(
            "ix_archive_search_doc_conversation_message", ["conversation", "message_id"]
        )
        batch_op.create_index(
            "ix_archive_search_doc_department_message", ["department_id", "message_id"]
        )
        batch_op.create_index(
            "ix_archive_search_doc_decision_department",
            ["decision", "department_id", "message_id"],
        )
        batch_op.create_index("ix_archive_search_doc_words", ["words"], postgresql_using="gin")
    op.create_table(
        "archive_search_fact",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", "message_id", name=op.f("pk_archive_search_fact")),
    )
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_userid", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("what", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_audit")),
    )
    with op.batch_alter_table("access_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_audit_at"), ["at"], unique=False)
        batch_op.create_index("ix_access_audit_staff_at", ["staff_userid", "at"], unique=False)
    if dialect == "sqlite":
        op.execute(SQLITE_FTS)
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_audit_refuse_truncate ON access_audit")
        op.execute("DROP TRIGGER IF EXISTS access_audit_refuse_update_delete ON access_audit")
        op.execute("DROP FUNCTION IF EXISTS access_audit_refuse_change()")
    elif dialect == "sqlite":
        op.execute("DROP TABLE IF EXISTS archive_search_fts")
    # SQLite drops a table's triggers with the table.
    with op.batch_alter_table("access_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_access_audit_staff_at")
        batch_op.drop_index(batch_op.f("ix_access_audit_at"))
    op.drop_table("access_audit")
    op.drop_table("archive_search_fact")
    with op.batch_alter_table("archive_search_doc", schema=None) as batch_op:
        for name in (
            "ix_archive_search_doc_words",
            "ix_archive_search_doc_decision_department",
            "ix_archive_search_doc_department_message",
            "ix_archive_search_doc_conversation_message",
            "ix_archive_search_doc_rm_message",
            "ix_archive_search_doc_created_at_message",
        ):
            batch_op.drop_index(name)
    op.drop_table("archive_search_doc")
