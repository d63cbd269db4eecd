"""Engines for SQLite and PostgreSQL, with the pragmas and transaction modes staging needs.

SQLite: WAL, synchronous=FULL, foreign keys, a busy timeout, and write transactions opened
with BEGIN IMMEDIATE so that concurrent writers queue on the busy timeout instead of
failing with "database is locked" when a read transaction tries to become a write one.
Reads use a plain (deferred) BEGIN so that they never wait for writers under WAL.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from stageterm.store.errors import StoreError
from stageterm.store.failures import FileGuard, busy, store_error

BUSY_TIMEOUT_MS = 15_000
CHECKPOINTER_BUSY_MS = 5
# A writer waiting for the write lock tries again after this long (jittered, see below):
# soon once (most holds are a scan or a pull's slice, well under a millisecond), then in
# steps that keep many waiting terminals from burning the CPU.
FIRST_STEP_MIN_S = 0.0001
FIRST_STEP_MAX_S = 0.0003
WAIT_STEP_MIN_S = 0.0005
WAIT_STEP_MAX_S = 0.002
# With the background checkpointer: how often it copies the WAL back, and the WAL size (in
# pages) at which a committing writer still checkpoints itself, should the thread fall behind.
CHECKPOINT_EVERY_S = 0.25
WRITER_CHECKPOINT_FALLBACK_PAGES = 20_000

log = logging.getLogger(__name__)

__all__ = ["BUSY_TIMEOUT_MS", "Store", "StoreError", "open_store"]


def _begin_immediate(raw: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Take the write lock, waiting our turn in short, jittered steps.

    SQLite's own busy handler backs off to 100 ms sleeps, so a writer that has waited a
    while loses the lock to every newcomer: with 8 terminals on one file that gave a p99
    of over a second. Here each try fails at once (the writer's busy_timeout is 0: SQLite's
    own first sleeps, 1 then 2 ms, are longer than a scan or a pull's slice holds the lock),
    the second comes 0.1-0.3 ms after the first and the next every 0.5-2 ms, which keeps
    the queue fair enough for a scan. Past the busy timeout the answer is one line
    (StoreError), never a traceback.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    step = (FIRST_STEP_MIN_S, FIRST_STEP_MAX_S)
    while True:
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() > deadline:
                raise busy(busy_timeout_ms / 1000) from exc
            time.sleep(random.uniform(*step))
            step = (WAIT_STEP_MIN_S, WAIT_STEP_MAX_S)


class Checkpointer:
    """Copies the WAL back into the database file from a thread of its own.

    SQLite's automatic checkpoint runs inside a commit: every ~1,000 pages of WAL one scan
    also copies the WAL into the database and fsyncs it, 5-12 ms on a busy disk, which is
    the whole p99 of scan-to-commit. Here a PASSIVE checkpoint (it never blocks a writer or
    a reader) runs every CHECKPOINT_EVERY_S on its own connection; writers keep a far
    higher automatic threshold only as a safety net. SQLite releases the GIL while it works.
    """

    def __init__(self, path: str, every_s: float = CHECKPOINT_EVERY_S) -> None:
        self.path = path
        self.every_s = every_s
        self.passes = 0
        self.ready = threading.Event()  # set once its connection is open
        self.settled = threading.Event()  # set once it is open or has given up
        self._stop = threading.Event()
        self._thread = self._start()

    def _start(self) -> threading.Thread:
        # Each thread has a stop of its own: one asked to stop that has not yet (in a long
        # pass) still stops when a new one is started in its place.
        self._stop = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(self._stop,), name="wal-checkpoint", daemon=True
        )
        thread.start()
        return thread

    def _run(self, stop: threading.Event) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA busy_timeout = {CHECKPOINTER_BUSY_MS}")
        except sqlite3.Error as exc:
            log.warning("background checkpoints off: %s", exc)
            self.settled.set()
            return
        try:
            self.ready.set()
            self.settled.set()
            while not stop.wait(self.every_s):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.passes += 1
                except sqlite3.Error as exc:  # busy now: the next pass catches up
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            db.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The thread stopped while the block runs (a fork copies only the thread that
        forks: none may hold a lock then), and a new one started after."""
        self.close()
        try:
            yield
        finally:
            self._thread = self._start()


def _journal_in_wal(cursor: sqlite3.Cursor, busy_timeout_ms: int) -> None:
    """PRAGMA journal_mode = WAL, retried until the busy timeout: while another connection
    creates the file or switches it to WAL, SQLite answers "database is locked" at once,
    without its busy handler (seen with 8 terminals starting together on a new database)."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(WAIT_STEP_MIN_S, 10 * WAIT_STEP_MAX_S))


def _sqlite_engine(url: str, begin: str, busy_timeout_ms: int, guard: FileGuard | None) -> Engine:
    engine = create_engine(url, poolclass=NullPool if ":memory:" in url else None)
    writer = begin == "BEGIN IMMEDIATE"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN out of the driver's hands so that we choose the mode below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Wait patiently while a new file is switched to WAL by another terminal starting too.
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        _journal_in_wal(cursor, busy_timeout_ms)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        if writer:
            # The writer waits in _begin_immediate, where a try must fail at once (not after
            # SQLite's own 1 + 2 ms sleeps); holding the write lock under WAL, nothing in its
            # transaction waits for another connection.
            cursor.execute("PRAGMA busy_timeout = 0")
        cursor.close()
        if guard is not None:
            guard.opened()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if writer:
            _begin_immediate(dbapi_connection, busy_timeout_ms)
        else:
            connection.exec_driver_sql(begin)
        if guard is None:
            return
        # Checked once the lock is ours, so that a file replaced while we waited is seen too.
        try:
            guard.check()
        except StoreError:
            dbapi_connection.execute("ROLLBACK")
            raise

    return engine


@dataclass
class Store:
    """The two ends of the database: a writer (serialised) and a reader."""

    url: str
    writer: Engine
    reader: Engine
    checkpointer: Checkpointer | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error.

        The database failing (busy past the busy timeout, its file replaced or removed, a
        full disk) raises StoreError: nothing of the transaction is kept."""
        try:
            with Session(self.writer, expire_on_commit=False) as session, session.begin():
                yield session
        except (OperationalError, sqlite3.OperationalError) as exc:
            raise store_error(exc) from exc

    def make_way(self, since: float) -> None:
        """For a background writer between two of its short transactions (a pull's slices):
        on SQLite, let WAIT_STEP_MAX_S pass since its last commit (`since`, perf_counter)
        before it asks for the lock again, so that every terminal waiting in
        `_begin_immediate` has tried once and a scan goes between two slices instead of
        after all of them. PostgreSQL queues writers itself, row by row."""
        if not self.is_sqlite:
            return
        rest = since + WAIT_STEP_MAX_S - time.perf_counter()
        if rest > 0:
            time.sleep(rest)

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.reader, expire_on_commit=False) as session, session.begin():
                yield session
        except (OperationalError, sqlite3.OperationalError) as exc:
            raise store_error(exc) from exc

    def start_background_checkpoints(self) -> None:
        """SQLite files: from now on a thread copies the WAL back (see `Checkpointer`).
        Called once the database is open and migrated; a no-op elsewhere."""
        path = self.writer.url.database
        if not self.is_sqlite or not path or path == ":memory:" or self.checkpointer:
            return

        checkpointer = Checkpointer(path)
        checkpointer.settled.wait(timeout=5)
        if not checkpointer.ready.is_set():  # no thread: writers keep checkpointing
            checkpointer.close()
            return

        def fallback_only(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(
                f"PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_FALLBACK_PAGES}"
            )

        event.listen(self.writer, "connect", fallback_only)
        self.writer.dispose()  # pooled connections still checkpoint in their commits
        self.checkpointer = checkpointer

    @contextmanager
    def forking(self) -> Iterator[bool]:
        """For forking readers (sync/ahead.py): this store's own thread (WAL checkpoints)
        paused while the block runs; yields True when the calling thread is then the
        only one of the process, so that a fork is safe."""
        if self.checkpointer is None:
            yield threading.active_count() == 1
            return
        with self.checkpointer.paused():
            yield threading.active_count() == 1

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
            self.checkpointer = None
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


NO_PSYCOPG = (
    "a postgresql:// database needs psycopg, which is not installed: "
    "pip install 'stageterm[postgres]'"
)


def open_store(url: str, *, busy_timeout_s: float = BUSY_TIMEOUT_MS / 1000) -> Store:
    """Engines for `url` (already normalised by config). Raises StoreError for a bad URL.

    `busy_timeout_s`: how long a write waits for another program's write to end before
    it answers "database is busy" (SQLite)."""
    try:
        if url.startswith("sqlite"):
            busy_ms = max(1, round(busy_timeout_s * 1000))
            guard = _guard_for(url)
            return Store(
                url,
                _sqlite_engine(url, "BEGIN IMMEDIATE", busy_ms, guard),
                _sqlite_engine(url, "BEGIN", busy_ms, guard),
            )
        if url.startswith("postgresql"):
            try:
                engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4)
            except ModuleNotFoundError as exc:
                # psycopg is the `postgres` extra: a floor PC on SQLite does not carry it.
                if (exc.name or "").split(".")[0] not in ("psycopg", "psycopg2"):
                    raise
                raise StoreError(NO_PSYCOPG) from None
            return Store(url, engine, engine)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(f"bad database URL: {exc}") from exc
    raise StoreError("unsupported database URL: use sqlite:/// or postgresql://")


def _guard_for(url: str) -> FileGuard | None:
    """A guard for the file a SQLite URL names (None for memory and URI filenames)."""
    parsed = make_url(url)
    path = parsed.database
    if not path or path == ":memory:" or parsed.query.get("uri") or path.startswith("file:"):
        return None
    return FileGuard(os.path.abspath(path))
