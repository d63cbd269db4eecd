"""The subcommands of `stageterm`, one module each.

Each module has `register(subparsers, common)`, which adds its parser (with `parents=[common]`
for `--db`) and sets `handler` to a
function `run(args, ctx) -> int` (the exit code). `cli.py` wires them together and
builds the `Context` they run in.

`COMMANDS` names the module of every command, so that `stageterm move …` imports only
`moves` and plain `stageterm` (the terminal UI) imports none: a command module may pull in
SQLAlchemy, Alembic or Pillow, and the sign-in screen should not wait for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

# Command -> module. The order here is the order in `stageterm --help`.
COMMANDS = {
    "demo": "demo",
    "init": "init",
    "import": "importing",
    "scan": "scan",
    "move": "moves",
    "load": "moves",
    "issue": "moves",
    "hold": "moves",
    "release": "moves",
    "undo": "moves",
    "queue": "queue",
    "suggest": "suggest",
    "unit": "unit",
    "sync": "sync",
    "export": "export",
    "audit": "audit",
    "decode": "decode",
    "label": "label",
    "report": "report",
    "tasks": "tasks",
    "pull": "pull",
    "doctor": "doctor",
    "alerts": "alerts",
    "serve": "serve",
}


def command_modules(commands: Iterable[str] | None = None) -> list[ModuleType]:
    """The modules of `commands` (default: all), each once, in `--help` order."""
    wanted = COMMANDS if commands is None else set(commands)
    names = dict.fromkeys(module for command, module in COMMANDS.items() if command in wanted)
    return [importlib.import_module(f"stageterm.commands.{name}") for name in names]
