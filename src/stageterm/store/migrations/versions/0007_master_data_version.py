"""The master data's version: one counter that every import, feed page and inbox file moves
in its own transaction, so that open boards see master data change (new orders, a changed
route, tasks opened) as they see events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    versions = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(versions, [{"name": "master", "version": 0}])


def downgrade() -> None:
    op.drop_table("data_versions")
