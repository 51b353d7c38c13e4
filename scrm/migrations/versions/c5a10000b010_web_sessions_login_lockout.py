"""sign-in sessions kept on the server; console account lockout

Revision ID: c5a10000b010
Revises: c5a10000b009
Create Date: 2026-11-23 10:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c5a10000b010"
down_revision = "c5a10000b009"
branch_labels = None
depends_on = None


def upgrade():
    # One row per sign-in; the cookie carries a random id whose sha256 is token_hash. Sessions
    # signed in before this revision lived only in cookies: they name no row, so they end.
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("console_account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["console_account_id"],
            ["console_account.id"],
            name=op.f("fk_web_session_console_account_id_console_account"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_web_session_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_session_token_hash")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_staff_id"), ["staff_id"], unique=False)

    # Wrong passwords in a row, and when the account locked (LOGIN_MAX_FAILURES).
    with op.batch_alter_table("console_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("console_account", schema=None) as batch_op:
        batch_op.drop_column("locked_at")
        batch_op.drop_column("failed_attempts")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_staff_id"))
    op.drop_table("web_session")
