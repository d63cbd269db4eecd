"""What a subcommand runs in: settings, the store and services built on demand, and output.

Also the guards every command shares against hostile text: `readable` for a code, badge
or reason given as an argument, and `print_json`, whose output never carries a character
that a terminal would act on (commands/json_out.py). Settings arrive checked (config/).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from stageterm.commands.exit_codes import Exit
from stageterm.commands.json_out import json_line
from stageterm.scanning.hostile import text_problem

if TYPE_CHECKING:
    from stageterm.config.model import Settings
    from stageterm.services.site import Site
    from stageterm.store.engine import Store


def require_terminal() -> None:
    """The terminal UI runs in a terminal: without one (a pipe, a file, cron) it would
    write escape codes and wait for keys for ever."""
    try:
        in_terminal = os.isatty(0) and os.isatty(1)
    except OSError:  # a closed descriptor
        in_terminal = False
    if not in_terminal:
        raise CommandError(
            "the terminal UI needs a terminal to run in; for scripts use the commands "
            "(stageterm --help)",
            Exit.USAGE,
        )


class CommandError(Exception):
    """Ends a command with a one-line message and an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


# Codes and badges are looked up in (and written to) columns this wide; a reason is free
# text but bounded, like an imported name.
CODE_LIMIT = 64
REASON_LIMIT = 200


def argument_problem(*checks: tuple[str, str | None, int]) -> str | None:
    """The sentence for the first (what, value, limit) whose value cannot be used, or None.

    A value that is not printable text (escape sequences, control characters, bytes
    that are not UTF-8, bidi overrides) or longer than its column cannot name anything
    in the database; it is refused before any query runs, and nothing is written.
    """
    for what, value, limit in checks:
        if value is not None and (problem := text_problem(value, what, limit)) is not None:
            return problem
    return None


def readable(value: str, what: str, limit: int = CODE_LIMIT) -> str:
    """`value` when it can be a code, badge or reason; else a CommandError (bad input)."""
    problem = argument_problem((what, value, limit))
    if problem is not None:
        raise CommandError(problem, Exit.BAD_INPUT)
    return value


@dataclass
class Context:
    settings: Settings
    open_store: Callable[[Settings, bool], Store]  # from cli.py; the flag says "demo database"
    make_site: Callable[[Settings, Store], Site]
    # The terminal UI on this context (the flag says "demo database"): from cli.py, the
    # one place that builds the app, so that `stageterm demo` can open it after seeding.
    run_app: Callable[[Context, bool], int]
    # `stageterm serve` (from cli.py, which builds the app): with (command, host, port,
    # token) the web server; with None one browser's read-only board process.
    serve: Callable[[Context, tuple[str, str, int, str] | None], int] | None = None
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    err: IO[str] = field(default_factory=lambda: sys.stderr)
    _store: Store | None = None
    _site: Site | None = None

    def store(self, *, demo: bool = False) -> Store:
        if self._store is None:
            self._store = self.open_store(self.settings, demo)
        return self._store

    def site(self, *, demo: bool = False) -> Site:
        """The use cases over this command's store (opened on first use)."""
        if self._site is None:
            self._site = self.make_site(self.settings, self.store(demo=demo))
        return self._site

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def print_json(self, value: Any, *, compact: bool = False) -> None:
        print(json_line(value, compact=compact), file=self.out)

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
