"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary directory.

The server listens only on a unix socket inside its own temporary directory, so parallel
test workers (one server each) never fight over a port. PostgreSQL refuses to run as
root; when the tests run as root (CI, containers) the server runs as an unprivileged
user (`postgres` where the server package created it, else `nobody`, else one we add).
A test gets a database of a pool, reset to the rows of a template database (a snapshot),
which is much faster than CREATE DATABASE where creating files is slow.

Used by the `store` fixture in tests/conftest.py; nothing here imports the project.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy import MetaData, Table, create_engine, select, text
from sqlalchemy.pool import NullPool

SUPERUSER = "postgres"
# Fast and disposable: nothing here has to survive a power cut.
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "log_min_messages": "warning",
    "deadlock_timeout": "200ms",
}


class NoPostgres(RuntimeError):
    """No PostgreSQL server binaries here (the message says what to install)."""


def find_bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres live: $STAGETERM_TEST_PG_BIN, PATH, pg_config, Debian's layout."""
    explicit = os.environ.get("STAGETERM_TEST_PG_BIN")
    candidates: list[Path] = [Path(explicit)] if explicit else []
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            )
            candidates.append(Path(out.stdout.strip()))

    def version(path: str) -> int:
        found = re.search(r"/(\d+)/bin$", path)
        return int(found.group(1)) if found else 0

    candidates += [
        Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    ]
    candidates += [Path("/usr/local/pgsql/bin")]
    for path in candidates:
        if all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account the server runs as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "stageterm-pg"],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam("stageterm-pg")


@dataclass
class PostgresServer:
    """One running server; `database()` hands out fresh databases, `stop()` ends it all."""

    bindir: Path
    root: Path
    port: int = 5432
    _user: pwd.struct_passwd | None = None
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _templates: set[str] = field(default_factory=set)
    running: bool = False

    @property
    def socket_dir(self) -> Path:
        return self.root

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    # -- lifecycle -----------------------------------------------------------------------

    @classmethod
    def start(cls) -> PostgresServer:
        bindir = find_bindir()
        if bindir is None:
            raise NoPostgres(
                "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found: "
                "install them with `sudo apt-get install -y postgresql` (make test does this as root)"
            )
        user = _server_user()
        # Not under pytest's tmp dirs: those are 0700 root-only, and the server user must get in.
        root = Path(tempfile.mkdtemp(prefix="stageterm-pg-"))
        root.chmod(0o755)
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        server = cls(bindir=bindir, root=root, _user=user)
        atexit.register(server.stop)
        try:
            server._initdb()
            server._pg_ctl("start", "-w", "-t", "60", "-l", str(server.log_file))
        except BaseException:
            server.stop()
            raise
        server.running = True
        return server

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", HOME=str(self.root))
        kwargs: dict[str, object] = {}
        if self._user is not None:
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        result = subprocess.run(
            list(args),
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            **kwargs,
        )
        if result.returncode != 0:
            log = (
                self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            )
            raise RuntimeError(
                f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr.strip()}\n{log}"
            )
        return result

    def _initdb(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = dict(
            SERVER_SETTINGS, port=str(self.port), unix_socket_directories=f"'{self.socket_dir}'"
        )
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# stageterm tests\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args)

    def stop(self) -> None:
        if self.running:
            self.running = False
            with contextlib.suppress(Exception):
                self._pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- databases -----------------------------------------------------------------------

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        """SQLAlchemy URL of `database` on this server (over the unix socket)."""
        return f"{driver}://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=True,
        )

    def has_template(self, name: str) -> bool:
        return name in self._templates

    def create_template(self, name: str) -> str:
        """An empty database to be filled once and then copied by `database(template=name)`."""
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self._templates.add(name)
        return name

    def database(self, template: str | None = None) -> str:
        """A fresh database (a copy of `template` when given); returns its name."""
        name = f"t{os.getpid()}_{next(self._names)}"
        source = f' TEMPLATE "{template}"' if template else ""
        with self.connect() as conn:
            if template and conn.info.server_version >= 150000:
                # A file copy of a small template takes milliseconds; the WAL_LOG default, tens.
                source += " STRATEGY FILE_COPY"
            conn.execute(f'CREATE DATABASE "{name}"{source}')
        return name

    def drop(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- fast fresh databases ----------------------------------------------------------------------


@dataclass
class Snapshot:
    """The rows of every table of a template database, to put back into a pooled one."""

    tables: list[Table]
    rows: dict[str, list[dict[str, object]]]
    sequences: list[tuple[str, str, str]]  # table, column, sequence

    @classmethod
    def take(cls, url: str) -> Snapshot:
        engine = create_engine(url, poolclass=NullPool)
        try:
            metadata = MetaData()
            metadata.reflect(bind=engine)
            with engine.connect() as conn:
                rows = {
                    table.name: [dict(row) for row in conn.execute(select(table)).mappings()]
                    for table in metadata.sorted_tables
                }
                sequences = [
                    (table, column, sequence)
                    for table, column, sequence in conn.execute(
                        text(
                            "SELECT table_name, column_name,"
                            " pg_get_serial_sequence(quote_ident(table_name), column_name)"
                            " FROM information_schema.columns WHERE table_schema = 'public'"
                        )
                    )
                    if sequence
                ]
        finally:
            engine.dispose()
        return cls(list(metadata.sorted_tables), rows, sequences)

    def restore(self, url: str) -> None:
        """Make the database at `url` (same schema) hold exactly the snapshot's rows."""
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                # Triggers off (the event log refuses deletes) and foreign keys unchecked.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in reversed(self.tables):
                    conn.execute(table.delete())
                for table in self.tables:
                    if self.rows[table.name]:
                        conn.execute(table.insert(), self.rows[table.name])
                for table, column, sequence in self.sequences:
                    conn.execute(
                        text(
                            f'SELECT setval(:seq, COALESCE((SELECT MAX("{column}") FROM "{table}"), 1),'
                            f' (SELECT MAX("{column}") FROM "{table}") IS NOT NULL)'
                        ),
                        {"seq": sequence},
                    )
        finally:
            engine.dispose()


@dataclass
class DatabasePool:
    """Databases of one schema, reset from a snapshot for each test rather than created anew.

    Creating a database copies a few hundred files, which takes half a second on a slow
    disk; putting back the rows of a small site takes milliseconds.
    """

    server: PostgresServer
    base_template: str  # the migrated, empty schema every pooled database is copied from
    free: list[str] = field(default_factory=list)

    def acquire(self, snapshot: Snapshot) -> str:
        if self.free:
            name = self.free.pop()
            with self.server.connect() as conn:
                # A test that left a connection behind must not see (or block) the next one.
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
        else:
            name = self.server.database(template=self.base_template)
        snapshot.restore(self.server.url(name))
        return name

    def release(self, name: str) -> None:
        self.free.append(name)
