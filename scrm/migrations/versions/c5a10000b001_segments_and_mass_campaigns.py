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
    pass


def downgrade():
    pass
