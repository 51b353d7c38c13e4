"""outbox deliveries

Revision ID: b2c0a3c1a002
Revises: b1c0a3c1a001
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "b2c0a3c1a002"
down_revision = "b1c0a3c1a001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
