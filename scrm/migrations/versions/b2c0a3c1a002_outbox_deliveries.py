"""outbox deliveries

Revision ID: b2c0a3c1a002
Revises: b1c0a3c1a001
"""

import sqlalchemy as sa
from alembic import op

revision = "b2c0a3c1a002"
down_revision = "b1c0a3c1a001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbound_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=191), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("archived_message_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(), nullable=True),
        sa.Column("sending_started_at", sa.DateTime(), nullable=True),
        sa.Column("wecom_ref", sa.String(length=128), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["archived_message_id"],
            ["archived_message.id"],
            name=op.f("fk_outbound_delivery_archived_message_id_archived_message"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_delivery")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbound_delivery_idempotency_key")),
    )
    with op.batch_alter_table("outbound_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_delivery_archived_message_id"),
            ["archived_message_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_outbound_delivery_due", ["status", "next_attempt_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outbound_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_delivery_due")
        batch_op.drop_index(batch_op.f("ix_outbound_delivery_archived_message_id"))
    op.drop_table("outbound_delivery")
