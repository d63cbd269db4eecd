"""`stageterm sync`: send pending events upstream; `--status` shows the queue; `--retry-rejected`.

    stageterm sync [--once] [--format epcis|json]
    stageterm sync --status [--json]
    stageterm sync --retry-rejected [EVENT_ID ...] --operator LEAD

Without --once it keeps draining until Ctrl-C (or SIGTERM): the first stops it cleanly
after the request in flight, a second stops it at once. It is then a service's worker:
it logs one line an event to stderr (`INFO stageterm-sync: sent 12 events; 0 pending`). `--once` sends what is pending
and exits 0, or 5 when upstream is unreachable, answers 5xx or refuses us (the events
stay pending; the next run tries at once).
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any

from stageterm.commands.context import CommandError, Context, readable
from stageterm.commands.exit_codes import Exit
from stageterm.commands.worker_log import worker_log
from stageterm.scanning import clean_for_display

if TYPE_CHECKING:
    from stageterm.sync import DrainReport, SyncStatus, SyncWorker

# The sync package (httpx, tenacity) is imported when a sync command runs, not when
# `stageterm` builds its parser: every other command starts faster for it.
FORMATS = ("epcis", "json")

LIST_TEXT = 20
LIST_JSON = 1000


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "sync",
        parents=[common],
        help="send pending events upstream (EPCIS 2.0); --status shows the queue",
        description=(
            "Post pending events, oldest first, to $STAGETERM_UPSTREAM_URL. Exit 5 when upstream "
            "is unreachable or failing; the events stay pending."
        ),
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="send what is pending now, then exit")
    mode.add_argument(
        "--status", action="store_true", help="pending, last success, last error, rejected events"
    )
    mode.add_argument(
        "--retry-rejected",
        nargs="*",
        metavar="EVENT_ID",
        help="put rejected events (all, or those named) back in the queue",
    )
    p.add_argument(
        "--operator", metavar="BADGE", help="with --retry-rejected: a lead's (or admin's) badge"
    )
    p.add_argument("--format", choices=FORMATS, default=FORMATS[0], help="request body")
    p.add_argument("--json", action="store_true", help="with --status: machine-readable")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from stageterm.services.results import BadInput, Denied

    if args.status:
        return _status(ctx, as_json=args.json)
    if args.retry_rejected is not None:
        # Rejected events are parked for a reason: a lead decides they go again.
        ids = [readable(i, "Event id") for i in args.retry_rejected]
        if not args.operator:
            raise CommandError(
                "--retry-rejected needs --operator with a lead's or admin's badge", Exit.USAGE
            )
        try:
            count = ctx.site().upstream.retry_rejected(readable(args.operator, "Badge"), ids)
        except Denied as denied:
            raise CommandError(f"--retry-rejected: {denied.message}", Exit.REFUSED) from None
        ctx.print(f"{count} rejected events back in the queue")
        return Exit.DONE
    try:
        worker = ctx.site().upstream.worker(args.format)
    except BadInput as exc:
        raise CommandError(str(exc), Exit.BAD_INPUT) from None
    # Alerts go out with the events where STAGETERM_ALERT_URL is set (SPEC §6c).
    site = ctx.site()
    poster = site.alerts.poster()
    post_alerts = (lambda: site.alerts.post(poster)) if poster else None
    try:
        if args.once:
            if post_alerts:
                post_alerts()
            return _once(worker, ctx)
        return _loop(worker, ctx, post_alerts)
    finally:
        worker.close()
        if poster:
            poster.close()


def _once(worker: SyncWorker, ctx: Context) -> int:
    report = worker.drain_once()
    state = worker.status()
    if report.failed:
        # The error names upstream and what went wrong ("… unreachable: …", "… answered 503").
        print(
            f"stageterm: {_shown(report.error)}; {state.pending} events kept pending", file=ctx.err
        )
        return Exit.UPSTREAM
    ctx.print(_summary(report, state))
    return Exit.DONE


def _loop(worker: SyncWorker, ctx: Context, also: Callable[[], object] | None = None) -> int:
    # A service's log: one line an event on stderr with its level (commands/worker_log.py);
    # the worker's own lines (retries, rejections, a lease taken over) join it.
    log = worker_log("sync", ctx.err)
    stop = threading.Event()

    def ask_stop(signum: int, _frame: FrameType | None) -> None:
        # First signal: finish the request in flight and leave; a second one is Ctrl-C as usual.
        stop.set()
        signal.signal(
            signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        )

    previous = {sig: signal.signal(sig, ask_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    was_failing = False

    def show(report: DrainReport) -> None:
        nonlocal was_failing
        if report.failed:
            if not was_failing:
                # The worker has just logged why; this says what happens now.
                log.warning(
                    "backing off while upstream fails; %d events kept pending",
                    worker.status().pending,
                )
            was_failing = True
            return
        if was_failing:
            log.info("upstream back")
        was_failing = False
        if report.sent or report.rejected:
            line = _summary(report, worker.status())
            (log.warning if report.rejected else log.info)(line)

    log.info("started: sending to %s; %d events pending", worker.shown_url, worker.status().pending)
    try:
        worker.run(stop, on_report=show, also=also)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("stopped; %d pending events stay queued", worker.status().pending)
    return Exit.DONE


def _summary(report: DrainReport, state: SyncStatus) -> str:
    words = f"sent {report.sent} event{'' if report.sent == 1 else 's'}"
    if report.rejected:
        words += f", {report.rejected} rejected (see stageterm sync --status)"
    words += f"; {state.pending} pending"
    if state.held:
        words += f" ({state.held} held behind rejected events)"
    return words


def _status(ctx: Context, *, as_json: bool) -> int:
    state = ctx.site().upstream.status(list_rejected=LIST_JSON if as_json else LIST_TEXT)
    if as_json:
        ctx.print_json(_status_json(state))
        return Exit.DONE
    now = datetime.now(UTC)
    age = state.oldest_pending_age(now)
    ctx.print(
        f"pending:       {state.pending}"
        + (f" (oldest {_ago(age)} ago)" if age is not None else "")
    )
    if state.held:
        ctx.print(f"held:          {state.held} (behind a rejected event of the same unit)")
    ctx.print(f"last success:  {_when(state.last_success_at, now)}")
    if state.failing or state.last_error:
        ctx.print(f"last error:    {_shown(state.last_error)} ({_when(state.last_error_at, now)})")
    if state.failing and state.next_attempt_at and state.next_attempt_at > now:
        ctx.print(f"next attempt:  {_when(state.next_attempt_at, now)}")
    ctx.print(f"rejected:      {state.rejected}")
    for event in state.rejected_events:
        ctx.print(f"  {event.id}  {_shown(event.unit, 30)}  {event.type}  {_shown(event.reason)}")
    if state.rejected > len(state.rejected_events):
        ctx.print(
            f"  … and {state.rejected - len(state.rejected_events)} more (--json lists {LIST_JSON})"
        )
    return Exit.DONE


def _status_json(state: SyncStatus) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "pending": state.pending,
        "held": state.held,
        "oldest_pending_at": iso(state.oldest_pending_at),
        "oldest_pending_age_s": state.oldest_pending_age(),
        "last_success_at": iso(state.last_success_at),
        "last_attempt_at": iso(state.last_attempt_at),
        "last_error": state.last_error,
        "last_error_at": iso(state.last_error_at),
        "next_attempt_at": iso(state.next_attempt_at),
        "failing": state.failing,
        "rejected_count": state.rejected,
        "rejected": [
            {"id": e.id, "seq": e.seq, "unit": e.unit, "type": e.type, "reason": e.reason}
            for e in state.rejected_events
        ],
    }


def _shown(text: str | None, limit: int = 200) -> str:
    return clean_for_display(text, limit) if text else "-"


def _ago(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    local = value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    delta = (now - value).total_seconds()
    return f"{local} ({_ago(delta)} ago)" if delta >= 0 else f"{local} (in {_ago(-delta)})"
