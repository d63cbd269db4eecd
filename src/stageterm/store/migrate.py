"""Create or upgrade a database with the Alembic migrations (never create_all on a user's file)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from stageterm.store.engine import Store, StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def current_revision(store: Store) -> str | None:
    # On the reader: a plain BEGIN, which under WAL never waits for a writer (the writer's
    # BEGIN IMMEDIATE would queue every command's start behind a long import).
    with store.reader.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# Any constant will do: it names "the stageterm schema" among PostgreSQL advisory locks.
_PG_MIGRATION_LOCK = 0x57A6E7E4


def upgrade(store: Store) -> str | None:
    """Bring the database to the newest schema; returns the revision it is at.

    Terminals starting together must not migrate twice: the check and the migrations run
    in one write transaction that holds the write lock (SQLite: BEGIN IMMEDIATE;
    PostgreSQL: an advisory lock), so the second terminal finds the work done.
    """
    head = head_revision()
    try:
        if current_revision(store) == head:  # the usual start: nothing to do, no write lock
            return head
        with store.writer.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return head
            if current is not None and not _known(current):
                # A newer version migrated this database; migrations only add, so an older
                # install may still run against it (the rollback plan in docs/deployment.md).
                return current
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StoreError(f"cannot open database: {_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database error while upgrading: {_reason(exc)}") from exc
    return head


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own reason on one line, without SQLAlchemy's wrapping and links.
    psycopg's run over several lines ("...refused\n\tIs the server running...")."""
    reason = str(getattr(exc, "orig", None) or exc).split("\n(Background on this error")[0]
    return "; ".join(line.strip() for line in reason.splitlines() if line.strip())
