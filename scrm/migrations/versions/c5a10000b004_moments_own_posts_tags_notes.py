"""moments slot 3, tag sync, RM notes

Revision ID: c5a10000b004
Revises: c5a10000b003
Create Date: 2026-11-22 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b004'
down_revision = 'c5a10000b003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moment_post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invalid_sender_userids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('invalid_customer_tag_ids', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.create_index('uq_moment_post_own_slot', ['day', 'slot', 'created_by'], unique=True, sqlite_where=sa.text('slot = 3'), postgresql_where=sa.text('slot = 3'))

    with op.batch_alter_table('moment_publication', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invalid_reason', sa.String(length=64), nullable=True))

    op.create_table('staff_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tagid', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('synced_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_tag')),
    sa.UniqueConstraint('tagid', name=op.f('uq_staff_tag_tagid'))
    )
    op.create_table('staff_tag_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_tag_member_staff_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['staff_tag.id'], name=op.f('fk_staff_tag_member_tag_id_staff_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_tag_member')),
    sa.UniqueConstraint('tag_id', 'staff_id', name=op.f('uq_staff_tag_member_tag_id_staff_id'))
    )
    with op.batch_alter_table('staff_tag_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_tag_member_staff_id'), ['staff_id'], unique=False)

    op.create_table('customer_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], name=op.f('fk_customer_note_author_id_staff')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_note_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_note'))
    )
    with op.batch_alter_table('customer_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_note_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_note_customer_id'), ['customer_id'], unique=False)

    op.create_table('customer_note_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['customer_note.id'], name=op.f('fk_customer_note_revision_note_id_customer_note')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['staff.id'], name=op.f('fk_customer_note_revision_replaced_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_note_revision')),
    sa.UniqueConstraint('note_id', 'version', name=op.f('uq_customer_note_revision_note_id_version'))
    )
    with op.batch_alter_table('customer_note_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_note_revision_note_id'), ['note_id'], unique=False)


def downgrade():
    with op.batch_alter_table('customer_note_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_note_revision_note_id'))

    op.drop_table('customer_note_revision')
    with op.batch_alter_table('customer_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_note_customer_id'))
        batch_op.drop_index(batch_op.f('ix_customer_note_author_id'))

    op.drop_table('customer_note')
    with op.batch_alter_table('staff_tag_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_tag_member_staff_id'))

    op.drop_table('staff_tag_member')
    op.drop_table('staff_tag')
    with op.batch_alter_table('moment_publication', schema=None) as batch_op:
        batch_op.drop_column('invalid_reason')

    with op.batch_alter_table('moment_post', schema=None) as batch_op:
        batch_op.drop_index('uq_moment_post_own_slot')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('invalid_customer_tag_ids')
        batch_op.drop_column('invalid_sender_userids')
