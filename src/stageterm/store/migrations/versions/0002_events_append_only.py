"""Events are append-only: the database itself refuses to delete them or change their facts.

Only the outbox columns (sync_*, synced_at, lease_*) may change after an event is written.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Every column but the outbox's: a change to any of these is a rewrite of history.
FACT_COLUMNS = (
    "seq, id, type, unit, occurred_at, utc_offset_min, operator, terminal, from_location, "
    "to_location, from_state, to_state, from_quality, to_quality, quantity, approved_by, "
    "reason, undoes, payload"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )
        op.execute(
            f"CREATE TRIGGER events_no_rewrite BEFORE UPDATE OF {FACT_COLUMNS} ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'events are append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
    )
    op.execute(
        f"CREATE TRIGGER events_no_rewrite BEFORE UPDATE OF {FACT_COLUMNS} ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events EXECUTE FUNCTION events_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_no_delete" + ("" if _sqlite() else " ON events"))
    op.execute("DROP TRIGGER IF EXISTS events_no_rewrite" + ("" if _sqlite() else " ON events"))
    if not _sqlite():
        op.execute("DROP TRIGGER IF EXISTS events_no_truncate ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"
