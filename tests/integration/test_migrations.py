"""The Alembic migrations: the same on SQLite and PostgreSQL, from nothing to head, idempotent,
reversible, and in agreement with the SQLModel tables the code uses."""

from __future__ import annotations

import sqlite3
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from integration.helpers import (
    FIXED_NOW,
    alembic,
    all_events,
    all_units,
    assert_projection_is_replay,
    build_site,
    table_dump,
)
from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import Store, open_store
from stageterm.store.migrate import current_revision, head_revision, upgrade
from stageterm.store.migrations import HEAD
from stageterm.store.tables import metadata


def schema(store: Store) -> dict[str, object]:
    """Tables, columns (name, type, nullable), indexes and triggers, as the database has them."""
    with store.writer.connect() as conn:
        found = inspect(conn)
        shape: dict[str, object] = {
            table: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
                sorted(
                    (i["name"] or "", tuple(i["column_names"])) for i in found.get_indexes(table)
                ),
            )
            for table in sorted(found.get_table_names())
        }
    return shape


@pytest.fixture
def empty(backend) -> Store:  # type: ignore[no-untyped-def]
    """A database with nothing in it: a new SQLite file, a new PostgreSQL database."""
    return backend.track(open_store(backend.empty_url()))


def test_head_names_the_newest_migration() -> None:
    """The constant an ordinary start compares with (so that it loads no Alembic) is the
    head Alembic finds among the scripts: a new migration must move it."""
    assert head_revision() == HEAD


def test_an_ordinary_start_reads_the_revision_without_alembic_or_the_write_lock(
    empty: Store,
) -> None:
    upgrade(empty)
    if not empty.is_sqlite:
        return
    path = empty.writer.url.database
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program is writing
        started = time.monotonic()
        assert upgrade(empty) == HEAD
        assert time.monotonic() - started < 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_upgrade_from_nothing_reaches_head_with_every_table(empty: Store) -> None:
    assert current_revision(empty) is None
    assert upgrade(empty) == head_revision()
    assert current_revision(empty) == head_revision()
    assert set(metadata.tables) <= set(schema(empty))


def test_a_second_upgrade_changes_nothing(empty: Store) -> None:
    upgrade(empty)
    shape = schema(empty)
    assert upgrade(empty) == head_revision()
    assert schema(empty) == shape
    with empty.read() as session:
        assert session.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_upgrading_a_working_site_keeps_everything(site_store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    assert (
        Site(site_store, clock=clock).moves.move("U-01", "L-ACME-N", "1001").outcome
        is Outcome.MOVED
    )
    before = (
        table_dump(site_store, "locations", "code"),
        all_units(site_store),
        all_events(site_store),
    )
    assert upgrade(site_store) == head_revision()
    assert (
        table_dump(site_store, "locations", "code"),
        all_units(site_store),
        all_events(site_store),
    ) == before


def test_the_migrated_schema_is_what_the_code_expects(empty: Store) -> None:
    upgrade(empty)
    with empty.writer.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_downgrade_to_nothing_and_back(empty: Store) -> None:
    upgrade(empty)
    shape = schema(empty)
    alembic(empty, "downgrade", "base")
    assert current_revision(empty) is None
    assert set(schema(empty)) <= {"alembic_version"}
    alembic(empty, "upgrade", "head")
    assert schema(empty) == shape


def test_the_store_works_on_a_freshly_migrated_database(empty: Store) -> None:
    upgrade(empty)
    build_site(empty, FIXED_NOW)
    result = Site(empty, clock=lambda: FIXED_NOW).moves.move("U-01", "L-ACME-N", "1001")
    assert result.outcome is Outcome.MOVED
    assert_projection_is_replay(empty)


def test_a_database_migrated_by_a_newer_version_still_opens(site_store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    # Rolling back the software after an upgrade: migrations only add, so the older code runs.
    with site_store.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert upgrade(site_store) == "9999_from_the_future"
    assert (
        Site(site_store, clock=clock).moves.move("U-01", "L-ACME-N", "1001").outcome
        is Outcome.MOVED
    )


# -- the event log is append-only in the database itself ---------------------------------------


def _try(store: Store, sql: str) -> None:
    with store.writer.begin() as conn:
        _exec(conn, sql)


def _exec(conn: Connection, sql: str) -> None:
    conn.execute(text(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM events",
        "UPDATE events SET to_location = 'L-OPEN'",
        "UPDATE events SET operator = '2001'",
        "UPDATE events SET occurred_at = occurred_at",
    ],
)
def test_the_database_refuses_to_rewrite_history(site_store: Store, sql: str) -> None:
    before = all_events(site_store)
    with pytest.raises(DBAPIError, match="append-only"):
        _try(site_store, sql)
    assert all_events(site_store) == before


def test_the_outbox_columns_may_change(site_store: Store) -> None:
    _try(site_store, "UPDATE events SET sync_attempts = sync_attempts + 1, sync_error = 'timeout'")
    with site_store.read() as session:
        assert session.execute(text("SELECT min(sync_attempts) FROM events")).scalar_one() == 1


def test_truncating_the_log_is_refused_on_postgresql(backend, site_store: Store) -> None:  # type: ignore[no-untyped-def]
    if not backend.is_postgres:
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"):
        _try(site_store, "TRUNCATE events")
