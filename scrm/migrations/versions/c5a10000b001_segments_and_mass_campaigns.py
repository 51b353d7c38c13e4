"""segments and mass campaigns (客户群发)

Revision ID: c5a10000b001
Revises: ea228d4f4b27
Create Date: 2026-11-22 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b001'
down_revision = 'ea228d4f4b27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('owner_userid', sa.String(length=64), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segment')),
    sa.UniqueConstraint('name', name=op.f('uq_segment_name'))
    )
    with op.batch_alter_table('segment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_owner_userid'), ['owner_userid'], unique=False)

    op.create_table('mass_campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('chat_type', sa.String(length=8), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('chat_ids', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('confirm_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['segment_id'], ['segment.id'], name=op.f('fk_mass_campaign_segment_id_segment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mass_campaign'))
    )
    with op.batch_alter_table('mass_campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mass_campaign_segment_id'), ['segment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mass_campaign_status'), ['status'], unique=False)

    op.create_table('mass_campaign_sender',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('staff_userid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('archived_message_id', sa.Integer(), nullable=True),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('msgid', sa.String(length=128), nullable=True),
    sa.Column('send_time', sa.DateTime(), nullable=True),
    sa.Column('reminded_at', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['mass_campaign.id'], name=op.f('fk_mass_campaign_sender_campaign_id_mass_campaign')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mass_campaign_sender')),
    sa.UniqueConstraint('campaign_id', 'staff_userid', name=op.f('uq_mass_campaign_sender_campaign_id_staff_userid'))
    )
    with op.batch_alter_table('mass_campaign_sender', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mass_campaign_sender_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('mass_campaign_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('staff_userid', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('send_time', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['mass_campaign.id'], name=op.f('fk_mass_campaign_recipient_campaign_id_mass_campaign')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mass_campaign_recipient')),
    sa.UniqueConstraint('campaign_id', 'target', name=op.f('uq_mass_campaign_recipient_campaign_id_target'))
    )
    with op.batch_alter_table('mass_campaign_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mass_campaign_recipient_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mass_campaign_recipient_target'), ['target'], unique=False)


def downgrade():
    with op.batch_alter_table('mass_campaign_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mass_campaign_recipient_target'))
        batch_op.drop_index(batch_op.f('ix_mass_campaign_recipient_campaign_id'))
    op.drop_table('mass_campaign_recipient')
    with op.batch_alter_table('mass_campaign_sender', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mass_campaign_sender_campaign_id'))
    op.drop_table('mass_campaign_sender')
    with op.batch_alter_table('mass_campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mass_campaign_status'))
        batch_op.drop_index(batch_op.f('ix_mass_campaign_segment_id'))
    op.drop_table('mass_campaign')
    with op.batch_alter_table('segment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_owner_userid'))
    op.drop_table('segment')
