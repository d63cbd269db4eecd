"""The inbox folder (`STAGETERM_INBOX`): files named `<kind>*.csv|json`, each taken all or
nothing through the same checks as an import, then moved to `done/`, or to `failed/` with
`<name>.error.txt` holding its `FILE:LINE` reasons (SPEC §6a).

Files are taken locations first, then orders, units and operators (what later kinds name
must be there), by name within a kind. A file is expected to appear whole: write it
elsewhere and rename it in (a rename within one file system is atomic).
"""

from __future__ import annotations

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
            _move(path, inbox / "failed")
            note = inbox / "failed" / f"{path.name}.error.txt"
            note.write_text("\n".join(failed.problems) + "\n", encoding="utf-8")
            yield Filed(path.name, None, tuple(failed.problems))
            continue
        except StoreError:
            raise  # the database is busy or gone: the file stays for the next pull
        _move(path, inbox / "done")
        yield Filed(path.name, taken)


def _move(path: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():  # the same name dropped again: keep both
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    os.replace(path, target)
