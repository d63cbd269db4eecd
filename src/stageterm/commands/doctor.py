"""`stageterm doctor`: is this site set up right? One line a check, with what to do.

    stageterm doctor [--json] [--env-file FILE] [--timeout SECONDS]

Exit 0 when every check passes, 2 when one fails (SPEC §6c). `--env-file` reads the
services' `EnvironmentFile=` as systemd does (its values beat this shell's environment,
so the check sees what the services see) and checks its mode like stageterm.toml's.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.scanning import clean_for_display


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "doctor",
        parents=[common],
        help="is this site set up right: database, schema, disk, clock, upstream, feed, "
        "inbox, printer, secrets",
        description="Check what site IT would check by hand; each finding one line with what "
        "to do. Exit 0 when every check passes, 2 when one fails. Nothing is changed.",
    )
    p.add_argument("--json", action="store_true", help='a list of {"check", "ok", "detail"}')
    p.add_argument(
        "--env-file",
        metavar="FILE",
        action="append",
        type=Path,
        default=[],
        help="the services' environment file (KEY=VALUE lines): read as systemd does, "
        "and checked to be readable by its owner only",
    )
    p.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=5.0,
        help="how long each far side (upstream, feed, printer) has to answer (default 5)",
    )
    p.set_defaults(handler=run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 300:
        raise argparse.ArgumentTypeError(f"{text!a} is not a number of seconds from 0 to 300")
    return value


def run(args: argparse.Namespace, ctx: Context) -> int:
    from stageterm.services.doctor import all_passed, examine
    from stageterm.services.doctor_files import EnvFileError, read_env_file

    settings = ctx.settings
    if args.env_file:
        from stageterm.config import load_settings

        env = dict(os.environ)
        try:
            for path in args.env_file:
                env.update(read_env_file(path))
        except EnvFileError as exc:
            raise CommandError(str(exc), Exit.BAD_INPUT) from None
        settings = load_settings({"db": args.db}, env)
    findings = examine(settings, env_files=args.env_file, timeout=args.timeout)
    if args.json:
        ctx.print_json([{"check": f.check, "ok": f.ok, "detail": f.detail} for f in findings])
    else:
        width = max(len(f.check) for f in findings)
        for f in findings:
            mark = "ok  " if f.ok else "FAIL"
            ctx.print(f"{mark}  {f.check:<{width}}  {clean_for_display(f.detail, 400)}")
    if all_passed(findings):
        return Exit.DONE
    failed = ", ".join(f.check for f in findings if not f.ok)
    print(f"stageterm: doctor: not set up right: {failed}", file=ctx.err)
    return Exit.BAD_INPUT
