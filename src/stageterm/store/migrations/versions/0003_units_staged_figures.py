"""An index that holds every figure the lanes board sums, so its query reads no unit rows.

(state, location, order_ref, staged_at, quantity): the staged units come out of it grouped
by lane and order, with their quantity and staged time, without visiting the table
(SQLite: a covering index; PostgreSQL: an index-only scan once the table is vacuumed).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_units_staged_figures",
        "units",
        ["state", "location", "order_ref", "staged_at", "quantity"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_units_staged_figures", table_name="units")
