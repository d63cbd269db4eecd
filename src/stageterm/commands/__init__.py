"""The subcommands of `stageterm`, one module each.

Each module has `register(subparsers, common)`, which adds its parser (with `parents=[common]`
for `--db`) and sets `handler` to a
function `run(args, ctx) -> int` (the exit code). `cli.py` wires them together and
builds the `Context` they run in.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The order here is the order in `stageterm --help`.
COMMAND_MODULES = (
    "demo",
    "init",
    "importing",
    "scan",
    "moves",
    "queue",
    "unit",
    "sync",
    "export",
    "audit",
    "decode",
    "label",
)


def command_modules() -> list[ModuleType]:
    """The command modules that exist in this build (each is imported once)."""
    found = []
    for name in COMMAND_MODULES:
        try:
            found.append(importlib.import_module(f"stageterm.commands.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"stageterm.commands.{name}":
                raise
    return found
