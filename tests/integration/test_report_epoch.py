"""The report's seconds since the epoch on SQLite: unixepoch() where the library has it
(3.38+, a third of the cost), strftime('%s') where not; they must give the same second
for every time the store writes (microseconds included: both round to the millisecond
first, so .9995 s is the next second in both)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, DateTime, MetaData, Table, select
from sqlalchemy.dialects import sqlite as sqlite_dialect

from stageterm.store import stays

TIMES = Table("times", MetaData(), Column("at", DateTime))


def compiled(unixepoch: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(stays, "_UNIXEPOCH", unixepoch)
    stmt = select(stays.epoch(TIMES.c.at))
    return str(stmt.compile(dialect=sqlite_dialect.dialect()))


@pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 38), reason="no unixepoch() here")
@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from([0, 999_499, 999_500, 999_999]),
)
def test_unixepoch_and_strftime_give_the_same_second(moment: datetime, micro: int) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, old = compiled(True, monkeypatch), compiled(False, monkeypatch)
    assert "unixepoch(" in fast and "STRFTIME('%s'" in old
    stored = moment.replace(microsecond=micro).strftime("%Y-%m-%d %H:%M:%S.%f")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE times (at DATETIME)")
    db.execute("INSERT INTO times VALUES (?)", (stored,))
    (a,) = db.execute(fast).fetchone()
    (b,) = db.execute(old).fetchone()
    assert a == b
    exact = moment.replace(microsecond=micro, tzinfo=UTC).timestamp()
    assert abs(a - exact) <= 1 and isinstance(a, int)
