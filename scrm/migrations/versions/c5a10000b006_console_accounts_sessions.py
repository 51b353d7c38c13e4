"""console accounts, sign-in, access audit

Revision ID: c5a10000b006
Revises: c5a10000b005
Create Date: 2026-11-22 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b006'
down_revision = 'c5a10000b005'
branch_labels = None
depends_on = None


def upgrade():
    # Local console accounts. JS-SDK tickets share the wecom_token table with access tokens.
    op.create_table('console_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_signed_in_at', sa.DateTime(), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_console_account_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_account')),
    sa.UniqueConstraint('username', name=op.f('uq_console_account_username'))
    )
    with op.batch_alter_table('console_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_account_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('console_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_account_staff_id'))

    op.drop_table('console_account')
