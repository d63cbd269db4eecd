"""Background WAL checkpoints (store/engine.py `Checkpointer`): the terminal UI and the
commands open SQLite with them, so no scan's commit pays for copying the WAL back."""

from __future__ import annotations

import struct
import threading
import time
from pathlib import Path

from sqlalchemy import text

from stageterm.store.engine import (
    WRITER_CHECKPOINT_FALLBACK_PAGES,
    open_store,
)


def _wal_frames(path: Path) -> tuple[int, int]:
    """(frames in the WAL, frames already copied back), read from the WAL index without
    a connection: any checkpoint PRAGMA (there is no NOOP one) would copy frames itself.
    Layout (sqlite.org/walformat.html): two 48-byte headers with mxFrame at offset 16,
    then the checkpoint info with nBackfill at offset 96, in native byte order."""
    index = Path(f"{path}-shm").read_bytes()
    (frames,) = struct.unpack_from("=I", index, 16)
    (backfilled,) = struct.unpack_from("=I", index, 96)
    return frames, backfilled


def _write_rows(store, rows: int) -> None:  # type: ignore[no-untyped-def]
    with store.write() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
    for n in range(rows):
        with store.write() as session:
            session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"row {n} " * 20})


def test_the_wal_is_copied_back_by_the_thread_not_by_the_writers(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    store = open_store(f"sqlite:///{path}")
    with store.write() as session:  # a connection from before: it must not keep the default
        session.execute(text("SELECT 1"))
    store.start_background_checkpoints()
    try:
        with store.write() as session:
            limit = session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
        assert limit == WRITER_CHECKPOINT_FALLBACK_PAGES  # writers only as a safety net
        _write_rows(store, 200)
        deadline = time.monotonic() + 10  # many passes of the thread
        log, done = _wal_frames(path)
        while (log == 0 or done < log) and time.monotonic() < deadline:
            time.sleep(0.05)
            log, done = _wal_frames(path)
        assert log > 0 and done == log, (log, done)
        assert store.checkpointer is not None and store.checkpointer.passes > 0
    finally:
        store.dispose()
    assert store.checkpointer is None
    assert not [t for t in threading.enumerate() if t.name == "wal-checkpoint"]


def test_without_the_thread_sqlite_checkpoints_inside_commits_as_usual(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'site.db'}")
    try:
        assert store.checkpointer is None
        with store.write() as session:
            assert session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1000
    finally:
        store.dispose()


def test_an_in_memory_database_has_no_thread() -> None:
    store = open_store("sqlite://")
    try:
        store.start_background_checkpoints()
        assert store.checkpointer is None
    finally:
        store.dispose()
