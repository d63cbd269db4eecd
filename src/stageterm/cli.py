"""The one place that wires things: settings -> store -> services -> commands or the app.

Nothing is built at import time; `main` builds what the chosen command needs.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, NoReturn

from stageterm import __version__
from stageterm.commands import COMMANDS, command_modules
from stageterm.commands.context import CommandError, Context, require_terminal
from stageterm.commands.exit_codes import Exit
from stageterm.config import ConfigError, load_settings
from stageterm.scanning import clean_for_display
from stageterm.store.errors import StoreError

if TYPE_CHECKING:
    from stageterm.config.model import Settings
    from stageterm.services.site import Site
    from stageterm.store.engine import Store
    from stageterm.tui.synclink import SyncLink


class UsageParser(argparse.ArgumentParser):
    """argparse ends a usage error with exit 2; SPEC §5 keeps 2 for bad input and 1 for usage."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        # argparse quotes the offending argument as it is: escapes and all.
        self.exit(Exit.USAGE, f"{self.prog}: error: {clean_for_display(message, 300)}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with every command for help or a mistake, else only the
    command asked for (plain `stageterm`, the terminal UI, needs none)."""
    db_help = "database: a path, sqlite:///FILE or postgresql://… (else $STAGETERM_DB)"
    common = UsageParser(add_help=False)
    common.add_argument("--db", metavar="URL", help=db_help)
    parser = UsageParser(
        prog="stageterm",
        description="Scan material into staging lanes and kitting areas; watch lane queues; sync upstream. "
        "With no command, opens the terminal UI.",
    )
    # Its own dest: a subcommand's --db default would otherwise overwrite it.
    parser.add_argument("--db", dest="app_db", metavar="URL", help=db_help)
    parser.add_argument("--version", action="version", version=f"stageterm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules(_commands_needed(argv)):
        module.register(sub, common)
    return parser


def _commands_needed(argv: Sequence[str] | None) -> list[str] | None:
    """The command `argv` names ([] for none), or None (all) for help or anything unclear."""
    args = list(sys.argv[1:] if argv is None else argv)
    while args:
        arg = args.pop(0)
        if arg == "--db":
            if not args:
                return None
            args.pop(0)
        elif arg.startswith("--db=") or arg == "--version":
            continue
        elif arg in COMMANDS:
            return [arg]
        else:  # --help, a command we do not have, a stray word: argparse says what it says
            return None
    return []


# Commands that may create a SQLite file that is not there yet; every other command (and
# the terminal UI) takes a missing file for a mistyped path rather than a new site.
CREATES_DATABASE = frozenset({"init", "demo", "import"})


# Where a thread of the process copies SQLite's WAL back (store/engine.py, Checkpointer):
# the terminal UI and the commands that run for long or write much. A command that runs
# and ends leaves it to SQLite's own checkpoint at commit, and stays a single thread (the
# report forks to read the log on every core: services/step_parts.py).
BACKGROUND_CHECKPOINTS = frozenset({"demo", "pull", "sync", "serve", "import"})


def open_migrated_store(
    settings: Settings, demo: bool, *, may_create: bool = True, checkpoints: bool = True
) -> Store:
    """The store for these settings, upgraded to the newest schema; `checkpoints`: with
    its WAL checkpoints in a thread of their own."""
    from stageterm.store.engine import open_store
    from stageterm.store.migrate import upgrade

    url = settings.db_url(demo=demo)
    if (folder := _missing_sqlite_folder(url)) is not None:
        raise StoreError(f"no folder {folder} for the database: create it first")
    if not may_create and (missing := _missing_sqlite_file(url)) is not None:
        raise StoreError(
            f"no database at {missing}: `stageterm init --db {missing}` creates one, "
            "`stageterm demo` opens a demo site"
        )
    store = open_store(url, busy_timeout_s=settings.busy_timeout)
    upgrade(store)
    if checkpoints:
        store.start_background_checkpoints()
    return store


def _missing_sqlite_folder(url: str) -> str | None:
    """The folder a SQLite URL's file would be in, when that folder does not exist."""
    path = _sqlite_path(url)
    folder = os.path.dirname(path) if path else ""
    return folder if folder and not os.path.isdir(folder) else None


def _sqlite_path(url: str) -> str | None:
    """The file a SQLite URL names, as SQLAlchemy reads it (None for memory, URI filenames
    and other databases)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # a bad URL is open_store's to report, in its words
        return None
    path = parsed.database
    if not path or path == ":memory:" or parsed.query.get("uri"):
        return None
    return path


def _missing_sqlite_file(url: str) -> str | None:
    """The path of a SQLite URL's file when that file does not exist."""
    path = _sqlite_path(url)
    return path if path and not os.path.exists(path) else None


def make_site(settings: Settings, store: Store) -> Site:
    from stageterm.services.site import Site

    return Site(store, terminal=settings.terminal_id(), settings=settings)


def build_context(
    settings: Settings, *, may_create: bool = True, checkpoints: bool = True
) -> Context:
    return Context(
        settings=settings,
        open_store=partial(open_migrated_store, may_create=may_create, checkpoints=checkpoints),
        make_site=make_site,
        run_app=lambda ctx, demo: run_app(ctx, demo=demo),
        serve=serve_board,
    )


def serve_board(ctx: Context, server: tuple[str, str, int, str] | None) -> int:
    """`stageterm serve`: the web server (command, host, port, token), or with None one
    browser's read-only board (tui/board.py) on this context's site."""
    if server is None:
        from stageterm.tui.board import BoardApp

        app = BoardApp(ctx.site())
        app.run()
        return int(app.return_code or 0)
    from stageterm.tui.serve import serve_board as serve

    serve(*server)
    return Exit.DONE


def run_app(ctx: Context, *, demo: bool = False) -> int:
    """The terminal UI. It paints the sign-in screen first and opens the database (and,
    with an upstream URL, the sync worker) in a worker thread, so a slow database start
    never shows a blank terminal; an error opening it ends the app as any command's would."""
    require_terminal()
    from stageterm.tui.app import StagetermApp

    opened: list[SyncLink] = []

    def open_sync() -> SyncLink | None:
        if not ctx.settings.upstream_url:
            return None
        opened.append(_sync_link(ctx, demo))
        return opened[-1]

    app = StagetermApp(site=lambda: ctx.site(demo=demo), settings=ctx.settings, sync=open_sync)
    try:
        app.run()
    finally:
        for sync in opened:
            sync.close()
    if app.open_error is not None:
        raise app.open_error
    return int(app.return_code or 0)


def run_floor_app(flags: dict[str, str | None], contexts: list[Context]) -> int:
    """Plain `stageterm`: the terminal UI, its settings read in its opening worker (pydantic
    costs ~0.3 s of CPU, more than the rest of the way to the sign-in screen), the sign-in
    screen painted meanwhile. A bad setting ends the app with the one line it always had;
    warnings are printed once the app has given the terminal back. The context built is
    added to `contexts`, for the caller to close."""
    require_terminal()
    from stageterm.tui.app import StagetermApp

    def read_settings() -> Settings:
        contexts.append(build_context(load_settings(flags), may_create=False))
        return contexts[0].settings

    opened: list[SyncLink] = []

    def open_sync() -> SyncLink | None:
        if not contexts[0].settings.upstream_url:
            return None
        opened.append(_sync_link(contexts[0], False))
        return opened[-1]

    app = StagetermApp(site=lambda: contexts[0].site(), settings=read_settings, sync=open_sync)
    try:
        app.run()
    finally:
        for sync in opened:
            sync.close()
        for warning in contexts[0].settings.warnings if contexts else ():
            print(f"stageterm: warning: {warning}", file=sys.stderr)
    if app.open_error is not None:
        raise app.open_error
    return int(app.return_code or 0)


def _sync_link(ctx: Context, demo: bool) -> SyncLink:
    from stageterm.services.results import BadInput
    from stageterm.tui.synclink import SyncLink

    try:
        worker = ctx.site(demo=demo).upstream.worker()
    except BadInput as exc:
        raise CommandError(str(exc), Exit.BAD_INPUT) from None
    return SyncLink(worker, ctx.settings.upstream_url, worker.close)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `stageterm ARGV` in this process (launch.py has offered it to the standby)."""
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    ctx: Context | None = None
    contexts: list[Context] = []
    try:
        given = [v for v in (getattr(args, "db", None), args.app_db) if v is not None]
        if any(not v.strip() for v in given):  # `--db "$UNSET"`: never the default site
            raise ConfigError("--db is empty: give a database path or URL")
        flags = {"db": getattr(args, "db", None) or args.app_db}
        handler = getattr(args, "handler", None)
        if handler is None:
            return run_floor_app(flags, contexts)
        settings = load_settings(flags)
        for warning in settings.warnings:
            print(f"stageterm: warning: {warning}", file=sys.stderr)
        ctx = build_context(
            settings,
            may_create=args.command in CREATES_DATABASE,
            checkpoints=args.command in BACKGROUND_CHECKPOINTS,
        )
        return int(handler(args, ctx))
    except CommandError as exc:
        print(f"stageterm: {clean_for_display(str(exc), 300)}", file=sys.stderr)
        return exc.code
    except (ConfigError, StoreError) as exc:
        if isinstance(exc, StoreError) and ctx is not None:
            from stageterm.commands.outcome import show_store_failure

            show_store_failure(ctx, args, clean_for_display(str(exc), 300), exc.code)
        print(f"stageterm: {clean_for_display(str(exc), 300)}", file=sys.stderr)
        return Exit.BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Whoever read the output stopped (`stageterm audit | head`): end quietly, as a
        # process ended by SIGPIPE would, and keep the last flush from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # the output's disk is full: one line, as for any bad input
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"stageterm: cannot write the output: {exc.strerror}", file=sys.stderr)
        return Exit.BAD_INPUT
    finally:
        for opened in [ctx, *contexts]:
            if opened is not None:
                opened.close()


if __name__ == "__main__":
    sys.exit(main())
