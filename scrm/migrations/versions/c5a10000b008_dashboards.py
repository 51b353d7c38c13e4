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
    pass


def downgrade():
    pass
