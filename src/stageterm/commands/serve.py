"""`stageterm serve [--host H] [--port P]`: the lanes board and the health screen,
read-only, in web browsers (SPEC §6b).

127.0.0.1 by default; any other address needs STAGETERM_SERVE_TOKEN (refused without one,
exit 2), and where the token is set every browser must give it, on loopback too. Each browser gets its own board process, started as `stageterm serve --board`
(hidden) with this command's settings in its environment.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.commands.worker_log import worker_log
from stageterm.scanning import clean_for_display

DEFAULT_PORT = 8000


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="the lanes board and health, read-only, in a browser",
        description=(
            "Serve the lanes board and the health screen, read-only, to web browsers. "
            "Listens on 127.0.0.1; another address needs STAGETERM_SERVE_TOKEN, which a "
            "browser gives once as ?token=..."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    p.add_argument("--board", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: only "localhost" is taken for loopback without asking DNS
        return False


def run(args: argparse.Namespace, ctx: Context) -> int:
    if ctx.serve is None:
        raise CommandError("serve is not available in this build", Exit.USAGE)
    if args.board:  # one browser's board process, started by the server below
        return ctx.serve(ctx, None)
    host = args.host.strip()
    if not host or not all(c.isalnum() or c in ".:-" for c in host):
        raise CommandError(
            f"--host {clean_for_display(host, 60)!r} is not an address", Exit.BAD_INPUT
        )
    if not 0 < args.port < 65536:
        raise CommandError(f"--port {args.port} is not a port (1-65535)", Exit.BAD_INPUT)
    token = ctx.settings.serve_token.get_secret_value()
    if not is_loopback(host) and not token:
        raise CommandError(
            f"serving on {host} needs STAGETERM_SERVE_TOKEN (a browser gives it once as "
            "?token=...); without one only 127.0.0.1 is served",
            Exit.BAD_INPUT,
        )
    site = ctx.site()  # opened here: a bad database is this command's error, not a browser's
    # Board processes open the same database: by environment, never on a command line.
    os.environ["STAGETERM_DB"] = site.store.url
    command = shlex.join([sys.executable, "-m", "stageterm.cli", "serve", "--board"])
    shown = f"[{host}]" if ":" in host else host
    # As a service: one line an event with its level, for journald (commands/worker_log.py).
    log = worker_log("serve", ctx.err)
    log.info("started: serving the read-only board on http://%s:%d/", shown, args.port)
    try:
        # A token that is set is asked for on loopback too (behind a reverse proxy, say).
        return ctx.serve(ctx, (command, host, args.port, token))
    finally:
        log.info("stopped")
