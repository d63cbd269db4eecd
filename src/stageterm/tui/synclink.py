"""What the terminal needs of the upstream sync, handed in by `cli.run_app`.

The UI never builds the sync itself (that needs the store): the composition root builds
a `SyncWorker` (through `site.upstream`) and hands it in with the address it may show.
The app runs the worker's loop in a thread of its own; retrying rejected events goes
through `site.upstream`, which checks that a lead asks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from stageterm.sync import SyncStatus


class SyncRunner(Protocol):
    def status(self, list_rejected: int = 0) -> SyncStatus: ...

    def wake(self) -> None: ...

    def run(
        self, stop: threading.Event, on_report: Callable[[Any], None] | None = None
    ) -> None: ...


def without_credentials(url: str) -> str:
    """The upstream URL as the screen may show it: no user, password or query string."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True)
class SyncLink:
    worker: SyncRunner
    url: str
    close: Callable[[], None]

    @property
    def upstream(self) -> str:
        return without_credentials(self.url)
