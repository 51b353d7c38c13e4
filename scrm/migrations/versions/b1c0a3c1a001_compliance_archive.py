"""compliance archive (append-only, hash-chained, triggers)

Revision ID: b1c0a3c1a001
Revises: 734f89005adf
"""

import sqlalchemy as sa
from alembic import op

revision = "b1c0a3c1a001"
down_revision = "734f89005adf"
branch_labels = None
depends_on = None

REFUSED = "archived_message is append-only"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER archived_message_refuse_update BEFORE UPDATE ON archived_message
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused; add a new row instead'); END""",
    f"""CREATE TRIGGER archived_message_refuse_delete BEFORE DELETE ON archived_message
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION archived_message_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % refused', TG_OP
            USING HINT = 'add a new row instead; test suites empty it with '
                         'SET LOCAL session_replication_role = replica';
    END
    $$""",
    """CREATE TRIGGER archived_message_refuse_update_delete
    BEFORE UPDATE OR DELETE ON archived_message
    FOR EACH ROW EXECUTE FUNCTION archived_message_refuse_change()""",
    """CREATE TRIGGER archived_message_refuse_truncate
    BEFORE TRUNCATE ON archived_message
    FOR EACH STATEMENT EXECUTE FUNCTION archived_message_refuse_change()""",
)


def upgrade():
    op.create_table(
        "archived_message",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("chat_ids", sa.JSON(), nullable=False),
        sa.Column("msgtype", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("lexicon_version", sa.String(length=64), nullable=True),
        sa.Column("confirmed_reason", sa.Text(), nullable=True),
        sa.Column("attempted_by", sa.String(length=64), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("wecom_msgid", sa.String(length=128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_archived_message_idempotency_key")),
        sa.UniqueConstraint("wecom_msgid", name=op.f("uq_archived_message_wecom_msgid")),
    )
    with op.batch_alter_table("archived_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archived_message_sender"), ["sender"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_archived_message_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "archive_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_head")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS archived_message_refuse_truncate ON archived_message")
        op.execute(
            "DROP TRIGGER IF EXISTS archived_message_refuse_update_delete ON archived_message"
        )
        op.execute("DROP FUNCTION IF EXISTS archived_message_refuse_change()")
    # SQLite drops a table's triggers with the table.
    op.drop_table("archive_head")
    with op.batch_alter_table("archived_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archived_message_created_at"))
        batch_op.drop_index(batch_op.f("ix_archived_message_sender"))
    op.drop_table("archived_message")
