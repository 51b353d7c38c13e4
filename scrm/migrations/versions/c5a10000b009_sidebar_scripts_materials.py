"""sidebar: script library (话术库) and materials

Revision ID: c5a10000b009
Revises: c5a10000b008
Create Date: 2026-11-22 20:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5a10000b009"
down_revision = "c5a10000b008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sidebar_script",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("product_name", sa.String(length=64), nullable=True),
        sa.Column("material_key", sa.String(length=64), nullable=True),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("search_tokens", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sidebar_script")),
        sa.UniqueConstraint("key", name=op.f("uq_sidebar_script_key")),
    )
    with op.batch_alter_table("sidebar_script", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sidebar_script_category"), ["category"], unique=False)

    op.create_table(
        "sidebar_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sidebar_material")),
        sa.UniqueConstraint("key", name=op.f("uq_sidebar_material_key")),
    )
    with op.batch_alter_table("sidebar_material", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sidebar_material_category"), ["category"], unique=False
        )

    op.create_table(
        "sidebar_branch_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_sidebar_branch_address_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sidebar_branch_address")),
        sa.UniqueConstraint("department_id", name=op.f("uq_sidebar_branch_address_department_id")),
    )
    op.create_table(
        "sidebar_send_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("attempt_key", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("archived_message_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_sidebar_send_attempt_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sidebar_send_attempt")),
        sa.UniqueConstraint(
            "staff_id",
            "attempt_key",
            "stage",
            name=op.f("uq_sidebar_send_attempt_staff_id_attempt_key_stage"),
        ),
    )
    with op.batch_alter_table("sidebar_send_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sidebar_send_attempt_staff_id"), ["staff_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sidebar_send_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sidebar_send_attempt_staff_id"))

    op.drop_table("sidebar_send_attempt")
    op.drop_table("sidebar_branch_address")
    with op.batch_alter_table("sidebar_material", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sidebar_material_category"))

    op.drop_table("sidebar_material")
    with op.batch_alter_table("sidebar_script", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sidebar_script_category"))

    op.drop_table("sidebar_script")
