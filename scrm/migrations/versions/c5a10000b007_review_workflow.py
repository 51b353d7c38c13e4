"""review workflow: claims, decisions, comments, allow-list proposals

Revision ID: c5a10000b007
Revises: c5a10000b006
Create Date: 2026-11-22 20:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5a10000b007"
down_revision = "c5a10000b006"
branch_labels = None
depends_on = None

REFUSED = "review_event is append-only (the case history)"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER review_event_refuse_update BEFORE UPDATE ON review_event
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused; add a new event instead'); END""",
    f"""CREATE TRIGGER review_event_refuse_delete BEFORE DELETE ON review_event
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION review_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % refused', TG_OP
            USING HINT = 'add a new event instead; test suites empty it with '
                         'SET LOCAL session_replication_role = replica';
    END
    $$""",
    """CREATE TRIGGER review_event_refuse_update_delete
    BEFORE UPDATE OR DELETE ON review_event
    FOR EACH ROW EXECUTE FUNCTION review_event_refuse_change()""",
    """CREATE TRIGGER review_event_refuse_truncate
    BEFORE TRUNCATE ON review_event
    FOR EACH STATEMENT EXECUTE FUNCTION review_event_refuse_change()""",
)


def upgrade():
    with op.batch_alter_table("review_case") as batch:
        batch.add_column(sa.Column("branch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("verdict", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("verdict_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_review_case_branch_id_department"), "department", ["branch_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_review_case_assignee_id_staff"), "staff", ["assignee_id"], ["id"]
        )
        batch.create_index(op.f("ix_review_case_branch_id"), ["branch_id"], unique=False)
        batch.create_index(op.f("ix_review_case_assignee_id"), ["assignee_id"], unique=False)
    op.create_table(
        "review_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["review_case.id"], name=op.f("fk_review_event_case_id_review_case")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_review_event_actor_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_event")),
    )
    op.create_index(op.f("ix_review_event_case_id"), "review_event", ["case_id"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, ()):
        op.execute(statement)
    op.create_table(
        "review_allow_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(length=100), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["review_case.id"],
            name=op.f("fk_review_allow_proposal_case_id_review_case"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["staff.id"],
            name=op.f("fk_review_allow_proposal_proposed_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff.id"],
            name=op.f("fk_review_allow_proposal_decided_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_allow_proposal")),
        sa.UniqueConstraint(
            "case_id", "phrase", name=op.f("uq_review_allow_proposal_case_id_phrase")
        ),
    )
    op.create_index(op.f("ix_review_allow_proposal_case_id"), "review_allow_proposal", ["case_id"])
    op.create_index(op.f("ix_review_allow_proposal_status"), "review_allow_proposal", ["status"])
    op.create_table(
        "review_officer_branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_review_officer_branch_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_review_officer_branch_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_officer_branch")),
        sa.UniqueConstraint(
            "staff_id",
            "department_id",
            name=op.f("uq_review_officer_branch_staff_id_department_id"),
        ),
    )
    op.create_table(
        "review_bulk_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=128), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_review_bulk_request_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_bulk_request")),
        sa.UniqueConstraint(
            "staff_id",
            "request_key",
            name=op.f("uq_review_bulk_request_staff_id_request_key"),
        ),
    )
    op.create_table(
        "lexicon_snapshot",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
        sa.Column("allow_phrases", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_lexicon_snapshot")),
    )
    op.create_index(
        op.f("ix_lexicon_snapshot_first_seen_at"), "lexicon_snapshot", ["first_seen_at"]
    )


def downgrade():
    op.drop_index(op.f("ix_lexicon_snapshot_first_seen_at"), table_name="lexicon_snapshot")
    op.drop_table("lexicon_snapshot")
    op.drop_table("review_bulk_request")
    op.drop_table("review_officer_branch")
    op.drop_index(op.f("ix_review_allow_proposal_status"), table_name="review_allow_proposal")
    op.drop_index(op.f("ix_review_allow_proposal_case_id"), table_name="review_allow_proposal")
    op.drop_table("review_allow_proposal")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS review_event_refuse_truncate ON review_event")
        op.execute("DROP TRIGGER IF EXISTS review_event_refuse_update_delete ON review_event")
        op.execute("DROP FUNCTION IF EXISTS review_event_refuse_change()")
    # SQLite drops a table's triggers with the table.
    op.drop_index(op.f("ix_review_event_case_id"), table_name="review_event")
    op.drop_table("review_event")
    with op.batch_alter_table("review_case") as batch:
        batch.drop_index(op.f("ix_review_case_assignee_id"))
        batch.drop_index(op.f("ix_review_case_branch_id"))
        batch.drop_constraint(op.f("fk_review_case_assignee_id_staff"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_review_case_branch_id_department"), type_="foreignkey")
        for column in (
            "closed_at",
            "reviewed_at",
            "verdict_note",
            "verdict",
            "claimed_at",
            "assignee_id",
            "branch_id",
        ):
            batch.drop_column(column)
