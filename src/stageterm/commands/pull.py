"""`stageterm pull [--once] [--json]`: master data in from the feed and the inbox folder.

One log line a page or file to standard error. `--once` takes what is there now and exits:
0 done (conflicts included), 2 a page or file failed its checks, 5 the feed unreachable,
failing or refusing us. Without --once it keeps pulling until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.commands.worker_log import worker_log
from stageterm.scanning import clean_for_display

if TYPE_CHECKING:
    from stageterm.services.pull import Pull, PullReport, Say


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "pull",
        parents=[common],
        help="master data in from upstream (feed and inbox folder)",
        description="Take locations, orders and units from $STAGETERM_MASTER_URL and the files "
        "in $STAGETERM_INBOX. Exit 2 when a page or file fails its checks, 5 when the feed is down.",
    )
    p.add_argument("--once", action="store_true", help="take what is there now, then exit")
    p.add_argument("--json", action="store_true", help="with --once: a summary object")
    # Not for people: a terminal running a pass for the site names itself, the lease's
    # holder, so the pass takes the lease over (services/pull_beside.py).
    p.add_argument("--taking-over", metavar="OWNER", help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if not ctx.settings.master_url and ctx.settings.inbox is None:
        raise CommandError(
            "nothing to pull from: set STAGETERM_MASTER_URL (the ERP's feed) or "
            "STAGETERM_INBOX (a folder for master data files)",
            Exit.BAD_INPUT,
        )
    site = ctx.site()

    def say(text: str, level: str = "info") -> None:
        stamp = f"{datetime.now().astimezone():%H:%M:%S}"
        shown = "" if level == "info" else f"{level}: "
        print(f"{stamp} {shown}{clean_for_display(text, 300)}", file=ctx.err, flush=True)

    if not args.once:
        # As a service: one line an event with its level, for journald (no stamp of ours).
        log = worker_log("pull", ctx.err)

        def log_line(text: str, level: str = "info") -> None:
            getattr(log, level)(clean_for_display(text, 300))

        return _loop(site.pull, log_line)
    report = site.pull.once(say, taking_over=args.taking_over)
    if args.json:
        ctx.print_json(report.as_json())
    else:
        ctx.print(_summary(report))
    return _exit(report, ctx)


def _exit(report: PullReport, ctx: Context) -> int:
    error = report.unreachable or report.refused
    if error:
        print(f"stageterm: {clean_for_display(error, 300)}", file=ctx.err)
        return Exit.UPSTREAM
    if report.problems:
        print("stageterm: some master data was not taken (see above)", file=ctx.err)
        return Exit.BAD_INPUT
    return Exit.DONE


def _summary(report: PullReport) -> str:
    parts = [
        f"{kind}: {f['created']} new, {f['updated']} updated, {f['conflicts']} conflicts"
        for kind, f in report.kinds.items()
    ]
    if report.files_done or report.files_failed:
        parts.append(f"files: {len(report.files_done)} done, {len(report.files_failed)} failed")
    if report.tasks_opened:
        parts.append(f"{report.tasks_opened} tasks opened")
    return "; ".join(parts) or "nothing new"


def _loop(pull: Pull, say: Say) -> int:
    stop = threading.Event()

    def ask_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()  # the page in flight is finished, then the loop ends

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    say("started: pulling master data; Ctrl-C stops")
    try:
        pull.run(stop, say)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    say("stopped")
    return Exit.DONE
