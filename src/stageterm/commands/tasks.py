"""`stageterm tasks [--json]`: what leads must re-coordinate (units whose order changed)."""

from __future__ import annotations

import argparse

from stageterm.commands.context import Context
from stageterm.commands.exit_codes import Exit
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "tasks",
        parents=[common],
        help="what leads must re-coordinate (units whose order changed)",
        description="Open restage and unstage tasks, oldest first.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    tasks = ctx.site().views.tasks()
    if args.json:
        ctx.print_json([task.as_json() for task in tasks])
        return Exit.DONE
    if not tasks:
        ctx.print("no open tasks")
    for task in tasks:
        to = f" -> {', '.join(task.suggested)}" if task.suggested else ""
        line = f"{task.kind:8} {task.unit} at {task.at or '-'}{to}  ({task.reason or ''})"
        ctx.print(clean_for_display(line, 300))
    return Exit.DONE
