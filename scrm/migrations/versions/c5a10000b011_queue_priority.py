"""queues: a priority on inbound events and outbound deliveries (welcome messages first)

Claims take time-critical rows (0) before ordinary ones (1): an add that carries a welcome
code, and the welcome message itself, must reach WeCom within the code's 20 seconds. Existing
rows are backfilled the way new ones are set; the due indexes lead with status and priority.

Revision ID: c5a10000b011
Revises: c5a10000b010
Create Date: 2026-12-05 16:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5a10000b011"
down_revision = "c5a10000b010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default="1", nullable=False)
        )
        batch_op.drop_index("ix_inbound_event_due")
        batch_op.create_index(
            "ix_inbound_event_due", ["status", "priority", "next_attempt_at"], unique=False
        )
    with op.batch_alter_table("outbound_delivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.SmallInteger(), server_default="1", nullable=False)
        )
        batch_op.drop_index("ix_outbound_delivery_due")
        batch_op.create_index(
            "ix_outbound_delivery_due", ["status", "priority", "next_attempt_at"], unique=False
        )
    op.execute(
        "UPDATE inbound_event SET priority = 0 "
        "WHERE event = 'change_external_contact' "
        "AND change_type IN ('add_external_contact', 'add_half_external_contact') "
        "AND payload LIKE '%<WelcomeCode>%' "
        "AND payload NOT LIKE '%<WelcomeCode><![CDATA[]]></WelcomeCode>%'"
    )
    op.execute("UPDATE outbound_delivery SET priority = 0 WHERE kind = 'welcome_msg'")


def downgrade():
    with op.batch_alter_table("outbound_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_delivery_due")
        batch_op.create_index(
            "ix_outbound_delivery_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.drop_column("priority")
    with op.batch_alter_table("inbound_event", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_event_due")
        batch_op.create_index("ix_inbound_event_due", ["status", "next_attempt_at"], unique=False)
        batch_op.drop_column("priority")
