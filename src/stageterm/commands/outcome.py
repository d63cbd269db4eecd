"""Printing a use case's result and turning it into an exit code (shared by move, scan, …)."""

from __future__ import annotations

from stageterm.commands.context import Context, argument_problem
from stageterm.commands.exit_codes import Exit
from stageterm.scanning import clean_for_display
from stageterm.services.results import Outcome, Result

EXIT_FOR = {
    Outcome.MOVED: Exit.DONE,
    Outcome.ALREADY_THERE: Exit.DONE,
    Outcome.TARGET: Exit.DONE,
    Outcome.INFO: Exit.DONE,
    Outcome.REFUSED: Exit.REFUSED,
    Outcome.NEEDS_APPROVAL: Exit.NEEDS_APPROVAL,
    Outcome.ERROR: Exit.BAD_INPUT,
}
LABEL = {
    Outcome.MOVED: "OK",
    Outcome.ALREADY_THERE: "OK",
    Outcome.TARGET: "TARGET",
    Outcome.INFO: "INFO",
    Outcome.REFUSED: "REFUSED",
    Outcome.NEEDS_APPROVAL: "APPROVAL",
    Outcome.ERROR: "ERROR",
}


def show(ctx: Context, result: Result, as_json: bool) -> int:
    """Print one result (a JSON line or a human line) and return its exit code."""
    if as_json:
        ctx.print_json(result.as_json())
    else:
        code = f" [{result.code}]" if result.code and not result.ok else ""
        ctx.print(f"{LABEL[result.outcome]}{code}: {clean_for_display(result.message, 300)}")
    return int(exit_for(result))


def exit_for(result: Result) -> Exit:
    """SPEC §5: an unknown unit or location is refused by a rule (3) even where the
    workflow reports it as an `error` outcome (a scan naming nothing known)."""
    if result.outcome is Outcome.ERROR and result.code in NAMES_NOTHING_KNOWN:
        return Exit.REFUSED
    return EXIT_FOR[result.outcome]


NAMES_NOTHING_KNOWN = frozenset({"unknown-unit", "unknown-location"})


def refuse_unreadable(
    ctx: Context, as_json: bool, *checks: tuple[str, str | None, int]
) -> int | None:
    """When an argument cannot be a code, badge or reason: print an `error` result in the
    usual shape and return its exit code (bad input). None when every argument is fine."""
    problem = argument_problem(*checks)
    if problem is None:
        return None
    return show(ctx, Result(Outcome.ERROR, problem, code="unreadable-argument"), as_json)


# The commands whose `--json` answer is one result line per scan or change (SPEC §5).
ANSWERS_WITH_RESULTS = frozenset({"move", "load", "issue", "hold", "release", "undo", "scan"})


def show_store_failure(ctx: Context, args: object, message: str, code: str) -> None:
    """A database that failed under a command (busy, replaced, a full disk): with `--json`
    the machine reading the answers gets an `error` line in the usual shape as well as
    the one line on stderr that every command prints for it."""
    if getattr(args, "json", False) and getattr(args, "command", None) in ANSWERS_WITH_RESULTS:
        ctx.print_json(Result(Outcome.ERROR, message, code=code).as_json())
