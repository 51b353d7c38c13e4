"""acquisition: channel QR codes, welcome messages, bulk add

Revision ID: c5a10000b002
Revises: c5a10000b001
Create Date: 2026-11-22 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b002'
down_revision = 'c5a10000b001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('acquisition_channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('userids', sa.JSON(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('welcome_text', sa.Text(), nullable=True),
    sa.Column('welcome_attachments', sa.JSON(), nullable=False),
    sa.Column('welcome_confirm_reason', sa.String(length=200), nullable=True),
    sa.Column('tag_ids', sa.JSON(), nullable=False),
    sa.Column('group_chat_id', sa.String(length=64), nullable=True),
    sa.Column('join_config_id', sa.String(length=64), nullable=True),
    sa.Column('join_qr_code', sa.String(length=512), nullable=True),
    sa.Column('skip_verify', sa.Boolean(), nullable=False),
    sa.Column('config_id', sa.String(length=64), nullable=True),
    sa.Column('qr_code', sa.String(length=512), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_acquisition_channel_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acquisition_channel')),
    sa.UniqueConstraint('config_id', name=op.f('uq_acquisition_channel_config_id')),
    sa.UniqueConstraint('state', name=op.f('uq_acquisition_channel_state'))
    )
    with op.batch_alter_table('acquisition_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acquisition_channel_status'), ['status'], unique=False)

    op.create_table('channel_attribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('add_way', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('welcome_code', sa.String(length=128), nullable=True),
    sa.Column('welcome_status', sa.String(length=24), nullable=True),
    sa.Column('welcome_delivery_id', sa.Integer(), nullable=True),
    sa.Column('archived_message_id', sa.Integer(), nullable=True),
    sa.Column('tagged', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['acquisition_channel.id'], name=op.f('fk_channel_attribution_channel_id_acquisition_channel')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_channel_attribution_customer_id_customer')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_channel_attribution_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_attribution')),
    sa.UniqueConstraint('customer_id', 'staff_id', 'state', name=op.f('uq_channel_attribution_customer_id_staff_id_state'))
    )
    with op.batch_alter_table('channel_attribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_attribution_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_attribution_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_attribution_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_attribution_welcome_status'), ['welcome_status'], unique=False)

    op.create_table('add_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_skipped', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_add_import'))
    )

    op.create_table('add_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('mobile_sha256', sa.String(length=64), nullable=False),
    sa.Column('mobile_masked', sa.String(length=16), nullable=False),
    sa.Column('mobile_sealed', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('cif_no', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by', sa.String(length=24), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('matched_bank_customer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_add_task_customer_id_customer')),
    sa.ForeignKeyConstraint(['import_id'], ['add_import.id'], name=op.f('fk_add_task_import_id_add_import')),
    sa.ForeignKeyConstraint(['matched_bank_customer_id'], ['bank_customer.id'], name=op.f('fk_add_task_matched_bank_customer_id_bank_customer')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_add_task_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_add_task')),
    sa.UniqueConstraint('mobile_sha256', name=op.f('uq_add_task_mobile_sha256'))
    )
    with op.batch_alter_table('add_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_add_task_cif_no'), ['cif_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_add_task_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_add_task_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_add_task_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('add_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_add_task_status'))
        batch_op.drop_index(batch_op.f('ix_add_task_staff_id'))
        batch_op.drop_index(batch_op.f('ix_add_task_import_id'))
        batch_op.drop_index(batch_op.f('ix_add_task_cif_no'))

    op.drop_table('add_task')
    op.drop_table('add_import')
    with op.batch_alter_table('channel_attribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_attribution_welcome_status'))
        batch_op.drop_index(batch_op.f('ix_channel_attribution_staff_id'))
        batch_op.drop_index(batch_op.f('ix_channel_attribution_customer_id'))
        batch_op.drop_index(batch_op.f('ix_channel_attribution_channel_id'))

    op.drop_table('channel_attribution')
    with op.batch_alter_table('acquisition_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acquisition_channel_status'))

    op.drop_table('acquisition_channel')
