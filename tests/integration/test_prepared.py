"""The scan path's statements prepared once (store/prepared.py, issue #17): what they write
and read is what SQLAlchemy's own execution writes and reads, value for value (times,
dates, flags, nothing), a column left out gets its default, and a failure is the error
SQLAlchemy would raise (a database failure the one-line StoreError, a missing or wrong
value a StatementError). SQLite runs them on the driver's cursor (PostgreSQL, and any
connection something listens to, through SQLAlchemy); what the driver cannot do as
SQLAlchemy would is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    Table,
    bindparam,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, StatementError

from stageterm.store.engine import Store
from stageterm.store.failures import StoreError
from stageterm.store.prepared import Prepared
from stageterm.store.tables import EVENTS, UNITS

STAGED_AT = datetime(2026, 12, 5, 6, 30, 15, 123456, tzinfo=UTC)


def unit_values(code: str, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "code": code,
        "item": "FG-1",
        "gtin": None,
        "lot": "L1",
        "serial": None,
        "sscc": None,
        "quantity": 12,
        "uom": "EA",
        "expiry": date(2027, 1, 31),
        "quality": "released",
        "state": "staged",
        "location": None,
        "order_ref": None,
        "staged_at": STAGED_AT,
        "version": 1,
        "parent": None,
    }
    return values | changes


def read_back(store: Store, code: str) -> tuple[object, ...]:
    with store.read() as session:
        return tuple(session.execute(select(UNITS).where(UNITS.c.code == code)).one())


def test_a_unit_written_prepared_reads_back_as_one_written_by_sqlalchemy(store: Store) -> None:
    with store.write() as session:
        Prepared(insert(UNITS)).run(session.connection(), [unit_values("P1")])
        session.connection().execute(insert(UNITS), unit_values("S1"))
    prepared, plain = read_back(store, "P1"), read_back(store, "S1")
    assert prepared[1:] == plain[1:]
    assert prepared[0] == "P1"

    # Read by a prepared SELECT: the same values, converted the same way.
    by_code = select(UNITS).where(UNITS.c.code == bindparam("code"))
    with store.read() as session:
        (row,) = Prepared(by_code).rows(session.connection(), {"code": "P1"})
    assert tuple(row) == prepared


def test_an_update_sets_only_the_columns_it_is_given_and_counts_the_rows(store: Store) -> None:
    with store.write() as session:
        session.connection().execute(insert(UNITS), unit_values("P2"))
    change = Prepared(
        update(UNITS).where(
            UNITS.c.code == bindparam("was_code"), UNITS.c.version == bindparam("was_version")
        )
    )
    later = datetime(2026, 12, 5, 7, 0, tzinfo=UTC)
    with store.write() as session:
        moved = {"staged_at": later, "version": 2, "was_code": "P2", "was_version": 1}
        assert change.run(session.connection(), [moved]) == 1
        stale = {"quantity": 3, "was_code": "P2", "was_version": 1}  # another changed it
        assert change.run(session.connection(), [stale]) == 0
    after = dict(zip(UNITS.c.keys(), read_back(store, "P2"), strict=True))
    assert after["version"] == 2 and after["quantity"] == 12 and after["lot"] == "L1"
    assert after["staged_at"].replace(tzinfo=UTC) == later


def test_a_column_left_out_gets_its_default(store: Store) -> None:
    event = {
        "id": "00000000-0000-4000-8000-000000000001",
        "type": "stage",
        "unit": "P3",
        "occurred_at": STAGED_AT,
        "sync_state": "pending",
    }
    with store.write() as session:
        Prepared(insert(EVENTS)).run(session.connection(), [event])
    with store.read() as session:
        attempts = session.execute(
            select(EVENTS.c.sync_attempts).where(EVENTS.c.unit == "P3")
        ).scalar_one()
    assert attempts == 0


def test_a_duplicate_is_sqlalchemys_integrity_error_and_nothing_is_kept(store: Store) -> None:
    add = Prepared(insert(UNITS))
    with store.write() as session:
        add.run(session.connection(), [unit_values("P4")])
    with pytest.raises(IntegrityError), store.write() as session:
        add.run(session.connection(), [unit_values("P5")])
        add.run(session.connection(), [unit_values("P4")])
    with store.read() as session:
        codes = session.execute(select(UNITS.c.code).where(UNITS.c.code.in_(["P4", "P5"])))
        assert sorted(codes.scalars()) == ["P4"]


def test_a_database_failure_is_the_one_line_store_error(sqlite_store: Store) -> None:
    # (On PostgreSQL the statements run through SQLAlchemy itself.)
    by_code = Prepared(select(UNITS.c.code).where(UNITS.c.code == bindparam("code")))
    with sqlite_store.write() as session:
        session.connection().execute(text("ALTER TABLE units RENAME TO units_gone"))
    with pytest.raises(StoreError) as failed, sqlite_store.read() as session:
        by_code.rows(session.connection(), {"code": "P6"})
    assert "\n" not in str(failed.value)


def test_what_cannot_be_prepared_is_refused_when_first_run(sqlite_store: Store) -> None:
    in_list = Prepared(
        select(UNITS.c.code).where(UNITS.c.code.in_(bindparam("codes", expanding=True)))
    )
    with sqlite_store.read() as session, pytest.raises(ValueError, match="IN list"):
        in_list.rows(session.connection(), {"codes": ["A", "B"]})


def test_a_missing_value_is_refused_as_sqlalchemy_refuses_it(sqlite_store: Store) -> None:
    # (Bound as NULL, an UPDATE missing its version would match nothing: a false "stale".)
    change = Prepared(
        update(UNITS).where(
            UNITS.c.code == bindparam("was_code"), UNITS.c.version == bindparam("was_version")
        )
    )
    with sqlite_store.write() as session:
        session.connection().execute(insert(UNITS), unit_values("P7"))
    with pytest.raises(StatementError, match="was_version"), sqlite_store.write() as session:
        change.run(session.connection(), [{"version": 2, "was_code": "P7"}])


def test_a_value_its_type_refuses_is_a_statement_error(sqlite_store: Store) -> None:
    naive = unit_values("P8", staged_at=datetime(2026, 1, 1))  # a time with no zone
    with pytest.raises(StatementError), sqlite_store.write() as session:
        session.connection().execute(insert(UNITS), naive)
    with pytest.raises(StatementError), sqlite_store.write() as session:
        Prepared(insert(UNITS)).run(session.connection(), [naive])


def test_statements_listened_to_run_through_sqlalchemy(sqlite_store: Store) -> None:
    seen: list[str] = []

    def heard(_connection: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(sqlite_store.writer, "before_cursor_execute", heard)
    with sqlite_store.write() as session:
        Prepared(insert(UNITS)).run(session.connection(), [unit_values("P9")])
    assert any(statement.startswith("INSERT INTO units") for statement in seen), seen
    assert read_back(sqlite_store, "P9")[0] == "P9"


def test_outside_a_transaction_nothing_runs(sqlite_store: Store) -> None:
    # The driver would commit the statement at once; SQLAlchemy would roll it back.
    with sqlite_store.writer.connect() as connection, pytest.raises(RuntimeError):
        Prepared(insert(UNITS)).run(connection, [unit_values("P10")])
    with sqlite_store.read() as session:
        found = session.execute(select(UNITS.c.code).where(UNITS.c.code == "P10")).all()
    assert found == []


def test_what_sqlalchemy_fills_in_on_its_own_is_refused(sqlite_store: Store) -> None:
    extra = MetaData()
    stamped = Table(
        "stamped",
        extra,
        Column("id", Integer, primary_key=True),
        Column("at", Integer, onupdate=1),
        Column("data", JSON),
    )
    with sqlite_store.write() as session:
        extra.create_all(session.connection())
    with sqlite_store.write() as session, pytest.raises(ValueError, match="every update"):
        Prepared(update(stamped).where(stamped.c.id == 1)).run(session.connection(), [{"id": 1}])
    with sqlite_store.write() as session, pytest.raises(ValueError, match="None"):
        Prepared(insert(stamped)).run(session.connection(), [{"id": 1, "at": 1, "data": None}])
