"""The inbox folder (`STAGETERM_INBOX`): files named `<kind>*.csv|json`, each taken all or
nothing through the same checks as an import, then moved to `done/`, or to `failed/` with
`<name>.error.txt` holding its `FILE:LINE` reasons (SPEC §6a).

Files are taken locations first, then orders, units and operators (what later kinds name
must be there), by name within a kind. A file is expected to appear whole: write it
elsewhere and rename it in (a rename within one file system is atomic).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from stageterm.intake.columns import KINDS
from stageterm.intake.pulling import Taken, take
from stageterm.intake.reading import ImportFailed, read_rows
from stageterm.store.engine import Store
from stageterm.store.errors import StoreError

ORDER = ("locations", "orders", "units", "operators")
SUFFIXES = (".csv", ".json")


@dataclass(frozen=True)
class Filed:
    """One inbox file and where it went."""

    name: str
    taken: Taken | None  # None: failed
    problems: tuple[str, ...] = ()


def waiting(inbox: Path) -> Iterator[tuple[str, Path]]:
    """(kind, file) of the files waiting in `inbox`, in the order they are taken."""
    if not inbox.is_dir():
        return
    found: list[tuple[int, str, str, Path]] = []
    for path in inbox.iterdir():
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        kind = next((k for k in ORDER if path.name.lower().startswith(k)), None)
        if kind is not None and kind in KINDS:
            found.append((ORDER.index(kind), path.name, kind, path))
    for _, _, kind, path in sorted(found):
        yield kind, path


def take_inbox(
    store: Store, inbox: Path, *, clock: Callable[[], datetime], terminal: str
) -> Iterator[Filed]:
    """Take every waiting file, one by one (each reported as it is done)."""
    for kind, path in waiting(inbox):
        try:
            rows = read_rows(path, kind)
            taken = take(store, kind, path.name, rows, clock=clock, terminal=terminal)
        except ImportFailed as failed:
            problems = tuple(failed.problems)
            try:
                _move(path, inbox / "failed")
                note = inbox / "failed" / f"{path.name}.error.txt"
                note.write_text("\n".join(problems) + "\n", encoding="utf-8")
            except OSError as exc:  # left in the inbox: it fails again at the next pull
                problems += (f"{path.name}: not moved to failed/: {exc}",)
            yield Filed(path.name, None, problems)
            continue
        except StoreError:
            raise  # the database is busy or gone: the file stays for the next pull
        try:
            _move(path, inbox / "done")
        except OSError as exc:
            # Taken (committed), but left in the inbox: the next pull takes it again, which
            # changes nothing (what is stored exactly so is not written again).
            yield Filed(path.name, taken, (f"{path.name}: taken, but not moved to done/: {exc}",))
            continue
        yield Filed(path.name, taken)


def _move(path: Path, folder: Path) -> None:
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        # The inbox's own mode (setgid and group write included), whatever this process's
        # umask: the services and the terminals share it through its group.
        with contextlib.suppress(OSError):
            os.chmod(folder, folder.parent.stat().st_mode & 0o7777)
    target = folder / path.name
    if target.exists():  # the same name dropped again: keep both
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    os.replace(path, target)
