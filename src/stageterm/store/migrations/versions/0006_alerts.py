"""Alerts: one row per alert while its condition holds, with its acknowledgement and its
posting to STAGETERM_ALERT_URL (SPEC §6b).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
# Written beside 0005 (master data); the lead re-chains it after "0005" at merge.
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("live_key", sa.String(length=96), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.String(length=64), nullable=True),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("post_owner", sa.String(length=128), nullable=True),
        sa.Column("post_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("post_attempts", sa.Integer(), nullable=False),
        sa.Column("post_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("live_key", name="uq_alerts_live_key"),
    )
    op.create_index("ix_alerts_posted", "alerts", ["posted_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_posted", table_name="alerts")
    op.drop_table("alerts")
