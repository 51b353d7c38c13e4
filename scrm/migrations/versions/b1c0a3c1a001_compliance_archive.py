"""compliance archive (append-only, hash-chained, triggers)

Revision ID: b1c0a3c1a001
Revises: 734f89005adf
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "b1c0a3c1a001"
down_revision = "734f89005adf"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
