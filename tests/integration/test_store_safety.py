"""A store that never loses a confirmed scan and never answers with a traceback (issue #16
items 3, 4 and 7; SPEC §5 exit codes, §7): a busy database, a database file replaced or
removed under the running program, a full disk.

Real parts: SQLite files, a second process holding the write lock, the installed
`stageterm` in a subprocess, and (as root) a small tmpfs that really fills up.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from stageterm.services.results import Outcome
from stageterm.services.site import Site
from stageterm.store.engine import Store, StoreError, open_store

# -- helpers -------------------------------------------------------------------------------------

HOLD_WRITE_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
db.execute("ROLLBACK")
"""


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def write_lock_held(demo_db: str) -> Iterator[str]:
    """Another process holds BEGIN IMMEDIATE on the demo database for the whole test."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(_path(demo_db))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield demo_db
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)


def _events(url: str) -> int:
    db = sqlite3.connect(_path(url))
    try:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        db.close()


def _one_line_no_traceback(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr[-2000:]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- #16.3: readers never wait for a writer; busy is one line -------------------------------------


def test_a_reader_answers_while_another_process_holds_the_write_lock(
    run_cli, write_lock_held: str
) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    queue = run_cli("queue", "--json", db=write_lock_held, timeout=60)
    took = time.monotonic() - started
    assert queue.returncode == 0, queue.stderr
    assert queue.stdout.startswith("[")
    # The busy timeout is 15 s: a start-up that waited for the lock would take that long.
    assert took < 10, f"queue took {took:.1f} s behind a writer"


def test_a_writer_that_cannot_get_the_lock_answers_one_line_exit_2(
    run_cli, write_lock_held: str
) -> None:  # type: ignore[no-untyped-def]
    before = _events(write_lock_held)
    started = time.monotonic()
    move = run_cli(
        "move", "U00003", "--to", "L-04", "--operator", "1001",
        db=write_lock_held, env={"STAGETERM_BUSY_TIMEOUT": "1.5"},
    )  # fmt: skip
    took = time.monotonic() - started
    assert move.returncode == 2, (move.stdout, move.stderr)
    line = _one_line_no_traceback(move.stderr)
    assert line.startswith("stageterm: database is busy:"), line
    assert "try again" in line
    assert took >= 1.5
    assert _events(write_lock_held) == before


def test_a_busy_writer_as_json_prints_an_error_outcome(run_cli, write_lock_held: str) -> None:  # type: ignore[no-untyped-def]
    move = run_cli(
        "move", "U00003", "--to", "L-04", "--operator", "1001", "--json",
        db=write_lock_held, env={"STAGETERM_BUSY_TIMEOUT": "0.5"},
    )  # fmt: skip
    assert move.returncode == 2, (move.stdout, move.stderr)
    _one_line_no_traceback(move.stderr)
    import json

    answer = json.loads(move.stdout.strip())
    assert answer["outcome"] == "error" and answer["code"] == "database-busy"
    assert answer["message"].startswith("database is busy:")


# -- #16.4: a database file replaced or removed under the running program -------------------------


@pytest.fixture
def open_site(demo_db: str) -> Iterator[tuple[Store, Site, Path]]:
    """The demo site opened as the terminal UI keeps it open: one store for the whole shift."""
    store = open_store(demo_db)
    services = Site(store, terminal="T-1")
    try:
        yield store, services, _path(demo_db)
    finally:
        store.dispose()


def test_a_write_after_the_files_were_removed_is_refused_not_lost(open_site) -> None:  # type: ignore[no-untyped-def]
    store, services, path = open_site
    assert (
        services.moves.move("U00003", "L-04", "1001").outcome is Outcome.MOVED
    )  # connections open
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    with pytest.raises(StoreError, match="was replaced or removed") as refused:
        services.quality.hold("U00003", "1001", "damaged")
    assert refused.value.code == "database-replaced"
    assert "restart stageterm" in str(refused.value)
    with pytest.raises(StoreError, match="was replaced or removed"), store.write() as session:
        session.execute(text("SELECT 1"))


def test_a_write_after_a_restore_over_the_file_is_refused_and_the_restore_kept(
    open_site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store, services, path = open_site
    backup = tmp_path / "backup.db"
    shutil.copy(path, backup)  # a backup taken before the move below
    assert services.moves.move("U00003", "L-04", "1001").outcome is Outcome.MOVED
    restored_events = _events(f"sqlite:///{backup}")
    os.replace(backup, path)  # IT restores the backup while the terminal runs
    for name in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)
    with pytest.raises(StoreError, match="was replaced or removed"):
        services.quality.hold("U00003", "1001", "damaged")
    with pytest.raises(StoreError, match="was replaced or removed"), store.read() as session:
        session.execute(text("SELECT 1"))
    assert _events(f"sqlite:///{path}") == restored_events


def test_a_store_opened_after_the_restore_works(open_site) -> None:  # type: ignore[no-untyped-def]
    """The way out the message gives (restart) works: a new store takes the new file."""
    store, _services, path = open_site
    shutil.copy(path, f"{path}.new")
    os.replace(f"{path}.new", path)
    with pytest.raises(StoreError):
        Site(store, terminal="T-1").quality.hold("U00003", "1001", None)
    fresh = open_store(f"sqlite:///{path}")
    try:
        assert Site(fresh, terminal="T-1").quality.hold("U00003", "1001", None).ok
    finally:
        fresh.dispose()


# -- #16.7: a full disk ----------------------------------------------------------------------------


def test_a_full_database_is_one_store_error_and_nothing_half_written(open_site) -> None:  # type: ignore[no-untyped-def]
    """SQLite's max_page_count makes the file "full" at its present size, the same
    SQLITE_FULL a full disk gives, on every machine."""
    store, services, _ = open_site

    @event.listens_for(store.writer, "connect")
    def _cap(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    store.writer.dispose()
    for attempt in range(500):  # hold and release until the file has no room for the next
        before = _events(store.url)
        unit_before = services.views.unit("U00003")
        try:
            if attempt % 2 == 0:
                result = services.quality.hold("U00003", "1001", "full disk test " * 10)
            else:
                result = services.quality.release("U00003", "3001")
        except StoreError as exc:
            assert exc.code == "disk-full", exc
            assert str(exc).startswith("the disk is full (database or disk is full)")
            assert "\n" not in str(exc)
            break
        assert result.ok, result
    else:
        pytest.fail("the database never filled up")
    assert attempt > 0
    assert _events(store.url) == before  # nothing half-written
    assert services.views.unit("U00003") == unit_before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (needs root and a kernel that lets us mount one)."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


HOLD_OPEN_TRUNCATED = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # an empty WAL: the next write must grow it
db.execute("SELECT count(*) FROM events").fetchone()
print("open", flush=True)
sys.stdin.read()
"""


def test_a_move_on_a_full_disk_is_one_line_exit_2_and_nothing_written(
    run_cli, demo_db: str, small_disk: Path
) -> None:  # type: ignore[no-untyped-def]
    import json

    db = small_disk / "site.db"
    shutil.copy(_path(demo_db), db)
    url = f"sqlite:///{db}"
    before = _events(url)
    # Another terminal keeps the file open, so its -wal and -shm stay (empty) as they are.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN_TRUNCATED, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with open(small_disk / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass  # the disk is full now
        move = run_cli("move", "U00003", "--to", "L-04", "--operator", "1001", "--json", db=url)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    assert move.returncode == 2, (move.stdout, move.stderr)
    line = _one_line_no_traceback(move.stderr)
    assert line.startswith("stageterm: the disk is full"), line
    answer = json.loads(move.stdout.strip())
    assert (answer["outcome"], answer["code"]) == ("error", "disk-full")
    (small_disk / "filler").unlink()
    assert _events(url) == before
