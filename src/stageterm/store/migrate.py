"""Create or upgrade a database with the Alembic migrations (never create_all on a user's file).

An ordinary start only reads the schema revision (no write lock, no Alembic import) and
compares it with `HEAD`; Alembic is loaded and the write lock taken only where the
database is behind, or new.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from stageterm.store.engine import Store, StoreError
from stageterm.store.migrations import HEAD

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision as Alembic reads the scripts (slow: for tests and upgrades)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(store: Store) -> str | None:
    """The database's schema revision, read in a plain read transaction: under WAL it
    never waits for a writer. None for a database without one (new, or not ours)."""
    with store.reader.connect() as connection:
        if not connection.dialect.has_table(connection, "alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


# Any constant will do: it names "the stageterm schema" among PostgreSQL advisory locks.
_PG_MIGRATION_LOCK = 0x57A6E7E4


def upgrade(store: Store) -> str | None:
    """Bring the database to the newest schema; returns the revision it is at.

    Terminals starting together must not migrate twice: the check and the migrations run
    in one write transaction that holds the write lock (SQLite: BEGIN IMMEDIATE;
    PostgreSQL: an advisory lock), so the second terminal finds the work done.
    """
    try:
        current = current_revision(store)
        if current == HEAD:  # the usual start: nothing to do, no write lock
            return HEAD
        if current is not None and not _known(current):
            # A newer version migrated this database; migrations only add, so an older
            # install may still run against it (the rollback plan in docs/deployment.md).
            return current
        return _upgrade_locked(store)
    except OperationalError as exc:
        raise StoreError(f"cannot open database: {_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database error while upgrading: {_reason(exc)}") from exc


def _upgrade_locked(store: Store) -> str | None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with store.writer.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        current = MigrationContext.configure(connection).get_current_revision()
        if current == HEAD:
            return HEAD
        if current is not None and not _known(current):  # a newer one got here first
            return current
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return HEAD


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own reason on one line, without SQLAlchemy's wrapping and links.
    psycopg's run over several lines ("...refused\n\tIs the server running...")."""
    reason = str(getattr(exc, "orig", None) or exc).split("\n(Background on this error")[0]
    return "; ".join(line.strip() for line in reason.splitlines() if line.strip())
