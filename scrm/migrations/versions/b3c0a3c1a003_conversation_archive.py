"""conversation archive ingest and review cases

Revision ID: b3c0a3c1a003
Revises: b2c0a3c1a002
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "b3c0a3c1a003"
down_revision = "b2c0a3c1a002"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
