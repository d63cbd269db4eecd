"""Master data in and re-coordination (SPEC §6a): feed cursors, the pull lease, order
changes and tasks.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_cursors",
        sa.Column("kind", sa.String(length=16), primary_key=True),
        sa.Column("cursor", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "pull_lease",
        sa.Column("name", sa.String(length=32), primary_key=True),
        sa.Column("owner", sa.String(length=128), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "order_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_ref", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("old", sa.String(length=64), nullable=True),
        sa.Column("new", sa.String(length=64), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_order_changes_order", "order_changes", ["order_ref"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("at", sa.String(length=64), nullable=True),
        sa.Column("suggested", sa.Text, nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_event", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_tasks_unit_open", "tasks", ["unit", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_tasks_unit_open", table_name="tasks")
    op.drop_table("tasks")
    op.drop_index("ix_order_changes_order", table_name="order_changes")
    op.drop_table("order_changes")
    op.drop_table("pull_lease")
    op.drop_table("feed_cursors")
