"""A unit scanned at a terminal with a target set is one write transaction: the code is
resolved, the move judged and written in it, with one SELECT for what the rules read
(issue #17). Counted by SQLite's own trace of the statements it runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from integration.helpers import Terminal
from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import Store


class Traced:
    def __init__(self, store: Store) -> None:
        self.statements: list[str] = []
        for engine in (store.writer, store.reader):
            event.listen(engine, "connect", self._attach)
            engine.dispose()  # connections opened from now on are traced

    def _attach(self, dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(self.statements.append)

    def during(self, run):  # type: ignore[no-untyped-def]
        self.statements.clear()
        result = run()
        return result, [" ".join(s.split()) for s in self.statements]


@pytest.fixture
def traced(sqlite_site: Store) -> Iterator[Traced]:
    yield Traced(sqlite_site)


def test_a_unit_scan_with_a_target_is_one_transaction(
    sqlite_site: Store, traced: Traced, clock
) -> None:  # type: ignore[no-untyped-def]
    floor = Terminal(Site(sqlite_site, terminal="T-1", clock=clock))
    assert floor.scan("B:1001").code == "signed-in"
    assert floor.scan("L-ACME-N").outcome is Outcome.TARGET
    answer, statements = traced.during(lambda: floor.scan("U-03"))
    assert answer.outcome is Outcome.MOVED, answer
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"], statements
    selects = [s for s in statements if s.startswith("SELECT")]
    # The one read (which also says whether the unit has an open re-coordination task, so
    # that the write need not look for one), then only what this unit's data needs: its
    # order's lines, and the FEFO probe (U-03 has an expiry and goes to a lane).
    assert len(selects) == 3, selects
    assert "FROM tasks" in selects[0] and "ended_at IS NULL" in selects[0], selects
    assert "FROM order_lines" in selects[1] and "units.expiry <" in selects[2], selects
    assert [s.split()[0] for s in statements if not s.startswith("SELECT")] == [
        "BEGIN",
        "INSERT",
        "UPDATE",
        "COMMIT",
    ], statements


def test_a_code_that_is_not_only_a_units_writes_nothing_on_the_short_way(
    sqlite_site: Store, traced: Traced, clock
) -> None:  # type: ignore[no-untyped-def]
    """A code that names no unit, scanned with a target set: the short way's write
    transaction is rolled back having written nothing, and the long way answers as before
    (a location scanned then becomes the target: test_workflow.py)."""
    floor = Terminal(Site(sqlite_site, terminal="T-1", clock=clock))
    assert floor.scan("B:1001").code == "signed-in"
    assert floor.scan("L-ACME-N").outcome is Outcome.TARGET
    answer, statements = traced.during(lambda: floor.scan("U-NOT-HERE"))
    assert answer.code == "unknown-unit"
    assert not any(s.startswith(("INSERT", "UPDATE", "DELETE")) for s in statements)
    assert "COMMIT" not in [s for s in statements if "IMMEDIATE" in s]


def test_an_import_copies_its_rows_under_the_lock_and_loads_them_before(
    sqlite_site: Store, traced: Traced, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    """An import's rows are loaded into temporary tables before the write lock is taken;
    under the lock SQLite only copies them (one INSERT ... SELECT a table), so that no
    Python runs per row while other terminals wait (SPEC §10: ≤ 2 s for 100k units)."""
    from stageterm.intake import import_file

    rows = "".join(f"N-{n},FG-1,,,,,5,,,,S-01,\n" for n in range(600))
    path = tmp_path / "units.csv"
    path.write_text(
        "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order\n" + rows
    )
    _, statements = traced.during(lambda: import_file(sqlite_site, "units", path, clock=clock))
    begin = statements.index("BEGIN IMMEDIATE")
    locked = statements[begin : statements.index("COMMIT", begin) + 1]
    assert [s.split(" SELECT ")[0] for s in locked] == [
        "BEGIN IMMEDIATE",
        "INSERT INTO main.events (" + locked[1].split("(", 1)[1].split(")")[0] + ")",
        "INSERT INTO main.units (" + locked[2].split("(", 1)[1].split(")")[0] + ")",
        # The master data's version, for open boards: one row.
        "UPDATE data_versions SET version=(data_versions.version + 1) "
        "WHERE data_versions.name = 'master'",
        "COMMIT",
    ], locked
    assert all("FROM temp.stageterm_import_" in s for s in locked[1:3]), locked
    loaded = [s for s in statements[:begin] if "temp." in s]
    assert sum(s.startswith("INSERT INTO temp.") for s in loaded) == 1200, loaded[:3]
    # Nothing is left behind on the writer's connection, and every unit is there.
    with sqlite_site.writer.connect() as connection:
        temp = connection.exec_driver_sql("SELECT name FROM temp.sqlite_master").all()
        assert temp == []
        assert (
            connection.exec_driver_sql("SELECT count(*) FROM units WHERE code LIKE 'N-%'").scalar()
            == 600
        )
