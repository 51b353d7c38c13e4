"""branch dashboards: daily rollups

Revision ID: c5a10000b008
Revises: c5a10000b007
Create Date: 2026-11-22 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b008'
down_revision = 'c5a10000b007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rm_daily_metric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('new_customers', sa.Integer(), nullable=False),
    sa.Column('lost_customers', sa.Integer(), nullable=False),
    sa.Column('groups', sa.Integer(), nullable=False),
    sa.Column('active_groups', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('joins', sa.Integer(), nullable=False),
    sa.Column('leaves', sa.Integer(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('sop_due', sa.Integer(), nullable=False),
    sa.Column('sop_on_time', sa.Integer(), nullable=False),
    sa.Column('sop_late', sa.Integer(), nullable=False),
    sa.Column('sop_missed', sa.Integer(), nullable=False),
    sa.Column('checkins', sa.Integer(), nullable=False),
    sa.Column('moments_published', sa.Integer(), nullable=False),
    sa.Column('moment_likes', sa.Integer(), nullable=False),
    sa.Column('moment_comments', sa.Integer(), nullable=False),
    sa.Column('follow_ups_opened', sa.Integer(), nullable=False),
    sa.Column('follow_ups_done', sa.Integer(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('response_minutes', sa.JSON(), nullable=False),
    sa.Column('sent_messages', sa.Integer(), nullable=False),
    sa.Column('hit_messages', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_rm_daily_metric_department_id_department')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_rm_daily_metric_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rm_daily_metric')),
    sa.UniqueConstraint('staff_id', 'day', name=op.f('uq_rm_daily_metric_staff_id_day'))
    )
    with op.batch_alter_table('rm_daily_metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_daily_metric_day'), ['day'], unique=False)
        batch_op.create_index('ix_rm_daily_metric_department_day', ['department_id', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('rm_daily_metric', schema=None) as batch_op:
        batch_op.drop_index('ix_rm_daily_metric_department_day')
        batch_op.drop_index(batch_op.f('ix_rm_daily_metric_day'))

    op.drop_table('rm_daily_metric')
