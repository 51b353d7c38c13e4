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
    pass


def downgrade():
    pass
