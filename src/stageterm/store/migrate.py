"""Create or upgrade a database with the Alembic migrations (never create_all on a user's file)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
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
    with store.writer.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(store: Store) -> str | None:
    """Bring the database to the newest schema; returns the revision it is at."""
    config = _config()
    try:
        current = current_revision(store)
        if current == head_revision():
            return current
        if current is not None and not _known(current):
            # A newer version migrated this database; migrations only add, so an older
            # install may still run against it (the rollback plan in docs/deployment.md).
            return current
        with store.writer.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StoreError(f"cannot open database: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database error while upgrading: {exc}") from exc
    return head_revision()
