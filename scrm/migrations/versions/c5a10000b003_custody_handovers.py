"""custody: handovers and resigned inheritance; customer_binding_audit made append-only

Revision ID: c5a10000b003
Revises: c5a10000b002
Create Date: 2026-11-22 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b003'
down_revision = 'c5a10000b002'
branch_labels = None
depends_on = None

# The binding audit trail (机构内身份认证) is append-only: a change is a new row.
AUDIT_REFUSED = "customer_binding_audit is append-only"
SQLITE_AUDIT_TRIGGERS = (
    f"""CREATE TRIGGER customer_binding_audit_refuse_update BEFORE UPDATE ON customer_binding_audit
    BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSED}: UPDATE refused; add a new row instead'); END""",
    f"""CREATE TRIGGER customer_binding_audit_refuse_delete BEFORE DELETE ON customer_binding_audit
    BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSED}: DELETE refused'); END""",
)
POSTGRES_AUDIT_TRIGGERS = (
    f"""CREATE FUNCTION customer_binding_audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{AUDIT_REFUSED}: % refused', TG_OP
            USING HINT = 'add a new row instead';
    END
    $$""",
    """CREATE TRIGGER customer_binding_audit_refuse_update_delete
    BEFORE UPDATE OR DELETE ON customer_binding_audit
    FOR EACH ROW EXECUTE FUNCTION customer_binding_audit_refuse_change()""",
    """CREATE TRIGGER customer_binding_audit_refuse_truncate
    BEFORE TRUNCATE ON customer_binding_audit
    FOR EACH STATEMENT EXECUTE FUNCTION customer_binding_audit_refuse_change()""",
)


def upgrade():
    op.create_table('custody_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('handover_staff_id', sa.Integer(), nullable=False),
    sa.Column('takeover_staff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('include_groups', sa.Boolean(), nullable=False),
    sa.Column('success_msg', sa.String(length=200), nullable=True),
    sa.Column('archived_message_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('request_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['handover_staff_id'], ['staff.id'], name=op.f('fk_custody_handover_handover_staff_id_staff')),
    sa.ForeignKeyConstraint(['takeover_staff_id'], ['staff.id'], name=op.f('fk_custody_handover_takeover_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_handover')),
    sa.UniqueConstraint('request_key', name=op.f('uq_custody_handover_request_key'))
    )
    with op.batch_alter_table('custody_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_handover_handover_staff_id'), ['handover_staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_handover_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_handover_takeover_staff_id'), ['takeover_staff_id'], unique=False)

    op.create_table('custody_handover_customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('external_userid', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_custody_handover_customer_customer_id_customer')),
    sa.ForeignKeyConstraint(['handover_id'], ['custody_handover.id'], name=op.f('fk_custody_handover_customer_handover_id_custody_handover')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_handover_customer')),
    sa.UniqueConstraint('handover_id', 'customer_id', name=op.f('uq_custody_handover_customer_handover_id_customer_id'))
    )
    with op.batch_alter_table('custody_handover_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_handover_customer_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_handover_customer_external_userid'), ['external_userid'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_handover_customer_handover_id'), ['handover_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_handover_customer_status'), ['status'], unique=False)

    op.create_table('custody_handover_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('moved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['customer_group.id'], name=op.f('fk_custody_handover_group_group_id_customer_group')),
    sa.ForeignKeyConstraint(['handover_id'], ['custody_handover.id'], name=op.f('fk_custody_handover_group_handover_id_custody_handover')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_handover_group')),
    sa.UniqueConstraint('handover_id', 'group_id', name=op.f('uq_custody_handover_group_handover_id_group_id'))
    )
    with op.batch_alter_table('custody_handover_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custody_handover_group_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_handover_group_handover_id'), ['handover_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_AUDIT_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRES_AUDIT_TRIGGERS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS customer_binding_audit_refuse_update")
        op.execute("DROP TRIGGER IF EXISTS customer_binding_audit_refuse_delete")
    elif dialect == "postgresql":
        for trigger in ("refuse_truncate", "refuse_update_delete"):
            op.execute(
                f"DROP TRIGGER IF EXISTS customer_binding_audit_{trigger} ON customer_binding_audit"
            )
        op.execute("DROP FUNCTION IF EXISTS customer_binding_audit_refuse_change()")
    with op.batch_alter_table('custody_handover_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_handover_group_handover_id'))
        batch_op.drop_index(batch_op.f('ix_custody_handover_group_group_id'))

    op.drop_table('custody_handover_group')
    with op.batch_alter_table('custody_handover_customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_handover_customer_status'))
        batch_op.drop_index(batch_op.f('ix_custody_handover_customer_handover_id'))
        batch_op.drop_index(batch_op.f('ix_custody_handover_customer_external_userid'))
        batch_op.drop_index(batch_op.f('ix_custody_handover_customer_customer_id'))

    op.drop_table('custody_handover_customer')
    with op.batch_alter_table('custody_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_handover_takeover_staff_id'))
        batch_op.drop_index(batch_op.f('ix_custody_handover_status'))
        batch_op.drop_index(batch_op.f('ix_custody_handover_handover_staff_id'))

    op.drop_table('custody_handover')
