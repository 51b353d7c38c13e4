"""conversation archive ingest and review cases

Revision ID: b3c0a3c1a003
Revises: b2c0a3c1a002
"""

import sqlalchemy as sa
from alembic import op

revision = "b3c0a3c1a003"
down_revision = "b2c0a3c1a002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "archive_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_archive_cursor")),
    )
    op.create_table(
        "archive_gap",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cursor_name", sa.String(length=64), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("to_seq", sa.BigInteger(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_gap")),
    )
    op.create_index(
        op.f("ix_archive_gap_detected_at"), "archive_gap", ["detected_at"], unique=False
    )
    op.create_table(
        "review_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_message_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("highest_action", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["archived_message_id"],
            ["archived_message.id"],
            name=op.f("fk_review_case_archived_message_id_archived_message"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_case")),
        sa.UniqueConstraint(
            "archived_message_id", name=op.f("uq_review_case_archived_message_id")
        ),
    )
    op.create_index(op.f("ix_review_case_opened_at"), "review_case", ["opened_at"], unique=False)
    op.create_index(op.f("ix_review_case_status"), "review_case", ["status"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_review_case_status"), table_name="review_case")
    op.drop_index(op.f("ix_review_case_opened_at"), table_name="review_case")
    op.drop_table("review_case")
    op.drop_index(op.f("ix_archive_gap_detected_at"), table_name="archive_gap")
    op.drop_table("archive_gap")
    op.drop_table("archive_cursor")
