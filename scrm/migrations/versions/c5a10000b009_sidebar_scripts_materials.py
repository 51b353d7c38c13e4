"""sidebar: script library (话术库) and materials

Revision ID: c5a10000b009
Revises: c5a10000b008
Create Date: 2026-11-22 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5a10000b009'
down_revision = 'c5a10000b008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
