"""Fixtures shared by the whole suite: stores on SQLite and PostgreSQL, a clock, the CLI.

- `store`: a migrated, empty database, once on a SQLite file and once on PostgreSQL
  (the PostgreSQL run is marked `postgres`: `-m "not postgres"` leaves it out). One
  throwaway server per xdist worker (tests/integration/pg.py); a test gets a pooled
  database reset to a template's rows. Without server binaries the PostgreSQL runs
  are skipped with the reason, unless $CI or $STAGETERM_TEST_REQUIRE_POSTGRES is set.
- `sqlite_store`: the same on SQLite only.
- `backend` / `sqlite_factory`: the factories behind them, for fixtures that fill a
  template once per session and copy it per test (`backend.store("name", build)`);
  `backend.empty_url()` is a database with nothing in it, not even the schema.
- `clock` / `fixed_now`: a settable clock for Site.
- `seeded_store`: the demo site (stageterm.demo.seed) at `fixed_now`, on both backends.
- `run_cli`: the installed `stageterm` entry point in a subprocess, isolated from the
  user's own database and configuration.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge what code does, not how fast: Hypothesis' 200 ms deadline and its
# too-slow check fail a correct example when the machine is busy (two test workers, CI).
settings.register_profile("stageterm", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("stageterm")

# Pilot tests paint at Textual's own 60 fps, as they were written for; the app's 240 (set
# by stageterm.tui unless given) is checked by tests/unit/test_frame_rate.py.
os.environ.setdefault("TEXTUAL_FPS", "60")

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # so that `integration.pg` and `integration.helpers` import
    sys.path.insert(0, str(TESTS))

from integration.helpers import FIXED_NOW, Clock  # noqa: E402
from integration.pg import DatabasePool, NoPostgres, PostgresServer, Snapshot  # noqa: E402
from stageterm.store.engine import Store, open_store  # noqa: E402
from stageterm.store.migrate import upgrade  # noqa: E402

Build = Callable[[Store], object]


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)


# -- backends ------------------------------------------------------------------------------


@dataclass
class SqliteBackend:
    """Templates are files built once per session; a test gets a copy (sqlite3 backup API)."""

    root: Path
    templates: dict[str, Path] = field(default_factory=dict)
    name: str = "sqlite"

    def template(self, key: str, build: Build | None = None) -> Path:
        if key not in self.templates:
            path = self.root / f"template-{key}.db"
            store = open_store(f"sqlite:///{path}")
            try:
                upgrade(store)
                if build is not None:
                    build(store)
            finally:
                store.dispose()
            self.templates[key] = path
        return self.templates[key]

    def copy(self, key: str, dest: Path, build: Build | None = None) -> str:
        """A fresh database file at `dest`, a copy of template `key`; returns its URL."""
        source = sqlite3.connect(self.template(key, build))
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return f"sqlite:///{dest}"


class PostgresBackend:
    """Templates are databases built once per session; a test gets a pooled database reset
    to a template's rows (see integration/pg.py for why not CREATE DATABASE each time)."""

    name = "postgres"

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.snapshots: dict[str, Snapshot] = {}
        self.pool = DatabasePool(server, self.template("migrated"))

    def template(self, key: str, build: Build | None = None) -> str:
        name = f"tmpl_{key}"
        if not self.server.has_template(name):
            self.server.create_template(name)
            store = open_store(self.server.url(name))
            try:
                upgrade(store)
                if build is not None:
                    build(store)
            finally:
                store.dispose()
        return name

    def snapshot(self, key: str, build: Build | None = None) -> Snapshot:
        if key not in self.snapshots:
            self.snapshots[key] = Snapshot.take(self.server.url(self.template(key, build)))
        return self.snapshots[key]


class StoreFactory:
    """Hands a test fresh stores of one backend, and closes them afterwards."""

    def __init__(self, backend: SqliteBackend | PostgresBackend, tmp_path: Path) -> None:
        self.backend = backend
        self.tmp_path = tmp_path
        self._stores: list[Store] = []
        self._pooled: list[str] = []
        self._created: list[str] = []
        self._count = 0

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.backend, PostgresBackend)

    def url(self, key: str = "migrated", build: Build | None = None) -> str:
        """URL of a fresh database holding template `key` (built by `build` once)."""
        self._count += 1
        if isinstance(self.backend, SqliteBackend):
            return self.backend.copy(key, self.tmp_path / f"{key}-{self._count}.db", build)
        name = self.backend.pool.acquire(self.backend.snapshot(key, build))
        self._pooled.append(name)
        return self.backend.server.url(name)

    def empty_url(self) -> str:
        """URL of a brand-new database with nothing in it, not even the schema."""
        self._count += 1
        if isinstance(self.backend, SqliteBackend):
            return f"sqlite:///{self.tmp_path / f'empty-{self._count}.db'}"
        name = self.backend.server.database()
        self._created.append(name)
        return self.backend.server.url(name)

    def store(self, key: str = "migrated", build: Build | None = None) -> Store:
        return self.track(open_store(self.url(key, build)))

    def track(self, store: Store) -> Store:
        """Dispose of `store` when the test ends."""
        self._stores.append(store)
        return store

    def close(self) -> None:
        for store in self._stores:
            store.dispose()
        if isinstance(self.backend, PostgresBackend):
            for name in self._pooled:
                self.backend.pool.release(name)
            for name in self._created:
                self.backend.server.drop(name)
        self._stores.clear()
        self._pooled.clear()
        self._created.clear()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for this test process (each xdist worker has its own)."""
    try:
        server = PostgresServer.start()
    except NoPostgres as exc:
        if os.environ.get("CI") or os.environ.get("STAGETERM_TEST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> SqliteBackend:
    return SqliteBackend(tmp_path_factory.mktemp("sqlite-templates"))


@pytest.fixture(scope="session")
def postgres_backend(pg_server: PostgresServer) -> PostgresBackend:
    return PostgresBackend(pg_server)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of fresh stores, once on a SQLite file and once on PostgreSQL."""
    chosen = request.getfixturevalue(f"{request.param}_backend")
    factory = StoreFactory(chosen, tmp_path)
    yield factory
    factory.close()


@pytest.fixture
def sqlite_factory(sqlite_backend: SqliteBackend, tmp_path: Path) -> Iterator[StoreFactory]:
    factory = StoreFactory(sqlite_backend, tmp_path)
    yield factory
    factory.close()


@pytest.fixture
def store(backend: StoreFactory) -> Store:
    """A migrated, empty database: a SQLite file, then PostgreSQL."""
    return backend.store()


@pytest.fixture
def sqlite_store(sqlite_factory: StoreFactory) -> Store:
    """A migrated, empty SQLite file (for what only SQLite can show: files, pragmas, crashes)."""
    return sqlite_factory.store()


def seed_demo_at(now: datetime) -> Build:
    def build(store: Store) -> None:
        from stageterm.demo import seed

        seed(store, now=now)

    return build


@pytest.fixture
def seeded_store(backend: StoreFactory) -> Store:
    """The demo site as `stageterm demo` seeds it, at FIXED_NOW."""
    return backend.store("demo", seed_demo_at(FIXED_NOW))


# -- the command line ------------------------------------------------------------------------


def stageterm_executable() -> Path:
    """The installed console script, next to the interpreter running the tests."""
    path = Path(sys.executable).parent / "stageterm"
    if not path.exists():
        pytest.fail(
            f"the stageterm entry point is not installed next to {sys.executable}: pip install -e ."
        )
    return path


@dataclass
class CliRunner:
    home: Path
    db: str | None = None

    def env(self, db: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STAGETERM_")}
        # Never the user's own data, configuration or terminal id.
        env.update(
            HOME=str(self.home),
            XDG_DATA_HOME=str(self.home / "data"),
            XDG_CONFIG_HOME=str(self.home / "config"),
            STAGETERM_TERMINAL="cli-test",
            LANG="C.UTF-8",
            NO_COLOR="1",
            # Commands go through the standby as a user's do; it ends soon after the suite.
            STAGETERM_STANDBY_IDLE_S="30",
        )
        env.pop("LC_ALL", None)
        if db is not None:
            env["STAGETERM_DB"] = db
        env.update(extra or {})
        return env

    def __call__(
        self,
        *args: str,
        db: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(stageterm_executable()), *args],
            cwd=self.home,
            env=self.env(db if db is not None else self.db, env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture
def run_cli(tmp_path: Path) -> CliRunner:
    """`run_cli("move", "U1", "--to", "L-01", ..., db=url)`: the installed stageterm in a subprocess."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return CliRunner(home)
