"""Events are append-only: no code path and no hand-written SQL may delete or rewrite one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DatabaseError

from stageterm.demo import seed
from stageterm.services.site import Site
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'site.db'}")
    upgrade(store)
    seed(store, now=NOW)
    yield store
    store.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM events WHERE seq = 1",
        "UPDATE events SET to_location = 'S-99' WHERE seq = 1",
        "UPDATE events SET operator = 'someone-else'",
        "UPDATE events SET approved_by = NULL WHERE approved_by IS NOT NULL",
    ],
)
def test_the_database_refuses_to_rewrite_history(site, sql: str) -> None:  # type: ignore[no-untyped-def]
    with site.writer.connect() as connection:
        before = connection.execute(text("SELECT count(*), max(seq) FROM events")).one()
    with pytest.raises(DatabaseError, match="append-only"), site.writer.begin() as connection:
        connection.execute(text(sql))
    with site.writer.connect() as connection:
        assert connection.execute(text("SELECT count(*), max(seq) FROM events")).one() == before


def test_outbox_columns_may_change(site) -> None:  # type: ignore[no-untyped-def]
    with site.writer.begin() as connection:
        changed = connection.execute(
            text("UPDATE events SET sync_state = 'synced', sync_attempts = 1 WHERE seq = 1")
        )
    assert changed.rowcount == 1


def test_no_code_path_updates_or_deletes_event_facts(site) -> None:  # type: ignore[no-untyped-def]
    """Every use case, run once, sends no DELETE and no UPDATE of an event's facts."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()).upper())

    event.listen(site.writer, "before_cursor_execute", record)
    services = Site(site, terminal="test", clock=lambda: NOW)
    services.moves.move("U00003", "L-04", "1001")
    services.moves.move("U00141", "KIT-A", "1002", quantity=5, approve="2001")
    services.quality.hold("U00004", "1001", "torn wrap")
    services.quality.release("U00004", "3001")
    services.corrections.undo("U00003", "1001")
    services.moves.move("U00002", "L-03", "1001")
    services.moves.load("U00002", "D-3", "1001")
    services.moves.move("U00141-1", "KIT-A", "1002")
    services.moves.issue("U00141-1", "1002")
    event.remove(site.writer, "before_cursor_execute", record)
    touching = [s for s in statements if "EVENTS" in s and not s.startswith(("SELECT", "INSERT"))]
    assert statements, "the use cases ran no SQL at all"
    assert touching == []
