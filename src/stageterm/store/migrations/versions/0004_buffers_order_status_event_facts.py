"""Buffers, order status, and the facts an event was judged on, kept with the event.

- `locations.operation`: the operation a WIP buffer feeds (SPEC §2).
- `orders.status`: `open`, `cancelled` or `done` (SPEC §2, §6a); existing orders are open.
- `events.overrides`: the approval rule codes a lead approved, a JSON list (SPEC §3).
- `events.order_ref`, `customer`, `route`, `carrier`, `work_order`: the order and place
  facts at the time of the event, so its upstream body never changes (SPEC §6).

The append-only trigger is rebuilt so that the new fact columns cannot be rewritten either.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_FACTS = ("overrides", "order_ref", "customer", "route", "carrier", "work_order")
OLD_FACT_COLUMNS = (
    "seq, id, type, unit, occurred_at, utc_offset_min, operator, terminal, from_location, "
    "to_location, from_state, to_state, from_quality, to_quality, quantity, approved_by, "
    "reason, undoes, payload"
)
FACT_COLUMNS = OLD_FACT_COLUMNS + ", " + ", ".join(NEW_FACTS)


def upgrade() -> None:
    # Plain ADD/DROP COLUMN, no batch copy (SQLite >= 3.35 has both): a copy of a table
    # that others point at by foreign key cannot be dropped, and events keep their triggers.
    op.add_column("locations", sa.Column("operation", sa.String(length=64), nullable=True))
    op.add_column(
        "orders", sa.Column("status", sa.String(length=16), nullable=False, server_default="open")
    )
    op.add_column("events", sa.Column("overrides", sa.Text(), nullable=True))
    for name in NEW_FACTS[1:]:
        op.add_column("events", sa.Column(name, sa.String(length=64), nullable=True))
    _rewrite_trigger(FACT_COLUMNS)


def downgrade() -> None:
    _rewrite_trigger(OLD_FACT_COLUMNS)
    for name in reversed(NEW_FACTS):
        op.drop_column("events", name)
    op.drop_column("orders", "status")
    op.drop_column("locations", "operation")


def _rewrite_trigger(columns: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_rewrite")
        op.execute(
            f"CREATE TRIGGER events_no_rewrite BEFORE UPDATE OF {columns} ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )
        return
    op.execute("DROP TRIGGER IF EXISTS events_no_rewrite ON events")
    op.execute(
        f"CREATE TRIGGER events_no_rewrite BEFORE UPDATE OF {columns} ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
    )
