"""What a subcommand runs in: settings, the store and services built on demand, and output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from stageterm.config import Settings

if TYPE_CHECKING:
    from stageterm.services import Services
    from stageterm.store.engine import Store


class CommandError(Exception):
    """Ends a command with a one-line message and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    settings: Settings
    open_store: Callable[[Settings, bool], Store]  # from cli.py; the flag says "demo database"
    make_services: Callable[[Settings, Store], Services]
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    err: IO[str] = field(default_factory=lambda: sys.stderr)
    _store: Store | None = None
    _services: Services | None = None

    def store(self, *, demo: bool = False) -> Store:
        if self._store is None:
            self._store = self.open_store(self.settings, demo)
        return self._store

    def services(self, *, demo: bool = False) -> Services:
        if self._services is None:
            self._services = self.make_services(self.settings, self.store(demo=demo))
        return self._services

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any) -> None:
        print(json.dumps(value, ensure_ascii=False, default=str), file=self.out)

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
