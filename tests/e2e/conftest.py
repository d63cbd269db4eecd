"""Fixtures of the SSH end-to-end tests: a site database (SQLite or PostgreSQL) seeded with
the demo site, an sshd that runs stageterm on it for every session, and handhelds in tmux.

- `site_db`: the demo site in a SQLite file (a copy of one seeded once per session).
- `pg_site`: the demo site in a fresh database on the suite's throwaway PostgreSQL server
  (tests/integration/pg.py; skipped with the reason where no server binaries are found),
  seeded by `stageterm demo --db <postgresql+psycopg URL> --seed-only`.
- `start_sshd(db)`: a real OpenSSH sshd on a loopback port whose ForceCommand runs the
  installed stageterm with STAGETERM_DB=db, as docs/deployment.md sets it up
  (`command=`, `options=`: another ForceCommand, more sshd_config lines).
- `handhelds`: one tmux server; `handhelds.open(sshd, size, term)` is a handheld that
  connected with `ssh -tt`.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sshkit import MISSING, STAGETERM, Handhelds, PgSite, Sshd

from integration.pg import PostgresServer


def _needs_ssh() -> None:
    if MISSING:
        pytest.skip(MISSING)


def seed_demo(db: str) -> None:
    """The demo site into `db` (a path or a URL), through the command a user runs."""
    done = subprocess.run(
        [str(STAGETERM), "demo", "--db", db, "--seed-only"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"stageterm demo --seed-only failed: {done.stderr}"
    assert "Seeded demo site" in done.stdout, done.stdout


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site in a SQLite file, seeded once for the session (tests get copies)."""
    db = tmp_path_factory.mktemp("demo-site") / "site.db"
    seed_demo(str(db))
    return db


@pytest.fixture
def site_db(demo_sqlite: Path, tmp_path: Path) -> Path:
    """The demo site in a SQLite file of this test's own."""
    db = tmp_path / "site.db"
    source, target = sqlite3.connect(demo_sqlite), sqlite3.connect(db)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return db


@pytest.fixture
def pg_site(pg_server: PostgresServer) -> Iterator[PgSite]:
    site = PgSite(pg_server, pg_server.database())
    try:
        seed_demo(site.url)
        yield site
    finally:
        pg_server.drop(site.name)


@pytest.fixture
def start_sshd(tmp_path: Path) -> Iterator[Callable[..., Sshd]]:
    """`start_sshd(db, command="", options=(), **env)`: an sshd whose sessions run stageterm
    on `db` (stopped after the test, with any stageterm its sessions left behind)."""
    _needs_ssh()
    started: list[Sshd] = []

    def start(db: str, command: str = "", options: tuple[str, ...] = (), **extra: str) -> Sshd:
        env = {
            "STAGETERM_DB": db,
            "STAGETERM_IDLE_MINUTES": "0",  # no idle sign-out in the middle of a test
            "LANG": "C.UTF-8",
            # Not the user's own stageterm.toml or data directory.
            "XDG_CONFIG_HOME": str(tmp_path / "host-config"),
            "XDG_DATA_HOME": str(tmp_path / "host-data"),
            "PATH": f"{STAGETERM.parent}:/usr/bin:/bin",
            **extra,
        }
        sshd = Sshd.start(tmp_path / f"ssh{len(started)}", env, command, options)
        started.append(sshd)
        return sshd

    yield start
    for sshd in started:
        sshd.stop()


@pytest.fixture
def handhelds() -> Iterator[Handhelds]:
    _needs_ssh()
    tmux = Handhelds()
    yield tmux
    tmux.close()
