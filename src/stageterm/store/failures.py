"""What can go wrong under a read or a write, told as one `StoreError` line: a database too
busy to answer within its busy timeout, a database file replaced or removed under the
running program, a full disk, a disk that fails.

Owns `FileGuard` (is the SQLite file at the path still the one this program opened?) and
`store_error` (a driver's exception as the sentence an operator or IT person acts on).
Nothing here is half-written: every caller raises before or instead of a commit, and the
transaction it was in is rolled back.
"""

from __future__ import annotations

import os
import sqlite3

from sqlalchemy.exc import OperationalError

from stageterm.store.errors import StoreError


def busy(waited_s: float) -> StoreError:
    return StoreError(
        f"database is busy: another program has held its write lock for over {waited_s:g} s; "
        "nothing was saved, try again",
        code="database-busy",
    )


class FileGuard:
    """The identity (device, inode) of a SQLite file, taken when the program first opens it.

    `rm site.db*` or a restore copied over the path leaves this program's connections on
    the old, deleted file: a write there would be confirmed and then lost. One stat() per
    write transaction tells the two apart.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.identity = _identity(path)  # None until the file exists (init creates it)

    def opened(self) -> None:
        """A connection has just opened the file: the first one fixes its identity."""
        if self.identity is None:
            self.identity = _identity(self.path)

    def check(self) -> None:
        """Raise StoreError when the file at the path is no longer the one opened."""
        if self.identity is None:
            self.opened()
            return
        if _identity(self.path) != self.identity:
            raise StoreError(
                f"the database file {self.path} was replaced or removed while stageterm "
                "was running; nothing was saved: restart stageterm",
                code="database-replaced",
            )


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:  # removed (or its folder is): no identity, which differs from any
        return None
    return st.st_dev, st.st_ino


def store_error(exc: OperationalError | sqlite3.OperationalError) -> StoreError:
    """The database failing under a statement (full, busy, I/O, gone) as the one line an
    operator or IT person acts on. Constraint errors and bugs in a query are not
    OperationalErrors and are never turned into one of these."""
    orig = exc.orig if isinstance(exc, OperationalError) and exc.orig is not None else exc
    return _told(_one_line(str(orig)))


def _told(reason: str) -> StoreError:
    lowered = reason.lower()
    if "full" in lowered or "no space left" in lowered:
        return StoreError(
            f"the disk is full ({reason}): nothing was saved; free space on the database's "
            "disk and try again",
            code="disk-full",
        )
    if "locked" in lowered or "busy" in lowered:
        return StoreError(
            f"database is busy: {reason}; nothing was saved, try again", code="database-busy"
        )
    return StoreError(f"database error: {reason}; nothing was saved", code="database-error")


def _one_line(reason: str) -> str:
    reason = reason.split("\n(Background on this error")[0]
    return "; ".join(line.strip() for line in reason.splitlines() if line.strip())
