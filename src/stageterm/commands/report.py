"""`stageterm report`: staging health from the event log, as a table, JSON, CSV or a plot.

The figures come from services/report.py; this module reads the flags, and writes what
they ask for. The plot (commands/report_plot.py) loads matplotlib only when asked for.
"""

from __future__ import annotations

import argparse
import csv
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stageterm.commands.context import CommandError, Context
from stageterm.commands.exit_codes import Exit
from stageterm.domain.metrics import SPARK, SPARK_ASCII, GroupBy, format_dwell, sparkline
from stageterm.scanning import clean_for_display

if TYPE_CHECKING:
    from stageterm.services.report import Report

CSV_HEADER = ("key", "stays", "open", "dwell_p50_s", "dwell_p90_s", "dwell_max_s", "units_now")
PLOT_FORMATS = (".png", ".svg")
SPARK_HOURS = 20
MOST_PARTS = 4  # the log read on up to this many cores (services/step_parts.py)


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    p = sub.add_parser(
        "report",
        parents=[common],
        help="staging health from the event log",
        description="Stays at lanes, kitting areas and buffers in a window: how many, how "
        "many still open, dwell p50/p90/max, units staged now and the buffer hour by hour. "
        "TIME is an ISO date or date-time (2026-11-22, 2026-11-22T06:00); without an offset "
        "it is local time. A date means its start for --since and its end for --until.",
    )
    p.add_argument("--since", metavar="TIME", help="window start (default: 24 h before --until)")
    p.add_argument("--until", metavar="TIME", help="window end (default: now; may lie ahead)")
    p.add_argument(
        "--by",
        choices=[g.value for g in GroupBy],
        default=GroupBy.LANE.value,
        help="group stays by (default: lane)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object (SPEC §5)")
    out.add_argument("--csv", action="store_true", help="one CSV row per group, with a header")
    p.add_argument(
        "--plot", metavar="FILE", help="also draw the buffer and the dwell to FILE.png or FILE.svg"
    )
    p.set_defaults(handler=run)


def parse_time(text: str, flag: str, *, end_of_day: bool = False) -> datetime:
    """An aware datetime for a TIME argument; a CommandError (bad input) otherwise."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        moment = datetime.combine(day + timedelta(days=end_of_day), time())
        return moment.astimezone()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{flag} {clean_for_display(text, 40)!r} is not an ISO date or date-time "
            "(2026-11-22 or 2026-11-22T06:00)",
            Exit.BAD_INPUT,
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def run(args: argparse.Namespace, ctx: Context) -> int:
    until = parse_time(args.until, "--until", end_of_day=True) if args.until else None
    since = parse_time(args.since, "--since") if args.since else None
    plot = Path(args.plot) if args.plot else None
    if plot is not None and plot.suffix.lower() not in PLOT_FORMATS:
        raise CommandError(
            f"--plot {clean_for_display(args.plot, 200)}: the file must end in .png or .svg",
            Exit.BAD_INPUT,
        )
    try:
        # The command runs alone in its process: it may read the log on every core.
        cores = min(MOST_PARTS, len(os.sched_getaffinity(0)))
        report = ctx.site().staging_report.build(since, until, args.by, parts=cores)
    except ValueError as exc:  # the window is empty or backwards
        raise CommandError(str(exc), Exit.BAD_INPUT) from None
    if plot is not None:
        from stageterm.commands.report_plot import draw

        try:
            draw(report, plot)
        except OSError as exc:
            raise CommandError(
                f"cannot write {clean_for_display(str(plot), 80)}: {exc.strerror or exc}",
                Exit.BAD_INPUT,
            ) from None
    if args.json:
        ctx.print_json(as_json(report), compact=True)  # 12 MB for a month by lane
    elif args.csv:
        writer = csv.writer(ctx.out, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for g in report.groups:
            key = "" if g.key is None else clean_for_display(g.key, 64)
            dwell = (_cell(g.dwell_p50_s), _cell(g.dwell_p90_s), _cell(g.dwell_max_s))
            writer.writerow((key, g.stays, g.open, *dwell, g.units_now))
    else:
        for line in as_text(report, ascii_only=ctx.settings.ascii):
            ctx.print(line)
    if plot is not None:
        ctx.err.write(f"Plot written to {clean_for_display(str(plot), 200)}.\n")
    return Exit.DONE


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _HourLabels(dict[int, str]):
    """An hour's end as the JSON gives it, formatted once: every group has the same hours,
    and a month by lane is 367,000 points."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report

    def __missing__(self, at: int) -> str:
        label = self[at] = _iso(self.report.hour(at))
        return label


def as_json(report: Report) -> dict[str, Any]:
    """The `report --json` object of SPEC §5."""
    hour = _HourLabels(report)

    return {
        "since": _iso(report.since),
        "until": _iso(report.until),
        "by": report.by.value,
        "groups": [
            {
                "key": g.key,
                "stays": g.stays,
                "open": g.open,
                "dwell_p50_s": g.dwell_p50_s,
                "dwell_p90_s": g.dwell_p90_s,
                "dwell_max_s": g.dwell_max_s,
                "units_now": g.units_now,
                "series": _series(g.series, hour),
            }
            for g in report.groups
        ],
        "decision_lag_p50_s": report.decision_lag_p50_s,
        "decision_lag_p90_s": report.decision_lag_p90_s,
    }


def _series(series: list[tuple[int, int]], hour: _HourLabels) -> list[tuple[str, int]]:
    """[(hour's end, units)], for JSON arrays: unzipped and zipped again in C (a month by
    lane is 367,000 points; json writes a tuple as an array)."""
    if not series:
        return []
    ends, units = zip(*series, strict=True)
    return list(zip(map(hour.__getitem__, ends), units, strict=True))


def as_text(report: Report, *, ascii_only: bool = False) -> list[str]:
    """An 80-column table for people: the longest dwell first, then by key."""
    span = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M %z}"
    lines = [f"Staging health by {report.by.value}, {span}"]
    if not report.groups:
        return [*lines, "No stays at lanes, kitting areas or buffers in this window.", _lag(report)]
    lines.append(
        f"{report.by.value.upper():<14} {'STAYS':>6} {'OPEN':>5} {'P50':>6} {'P90':>6} "
        f"{'MAX':>6} {'NOW':>5}  BUFFER, LAST {SPARK_HOURS} H"
    )
    ordered = sorted(report.groups, key=lambda g: (-(g.dwell_max_s or -1), g.key or "~"))
    bars = SPARK_ASCII if ascii_only else SPARK
    for g in ordered:
        key = "-" if g.key is None else clean_for_display(g.key, 14)
        lines.append(
            f"{key:<14} {g.stays:>6} {g.open:>5} {format_dwell(g.dwell_p50_s):>6} "
            f"{format_dwell(g.dwell_p90_s):>6} {format_dwell(g.dwell_max_s):>6} "
            f"{g.units_now:>5}  {sparkline([u for _, u in g.series[-SPARK_HOURS:]], bars)}"
        )
    stays = sum(g.stays for g in report.groups)
    still = sum(g.open for g in report.groups)
    lines.append(
        f"{stays} stays, {still} still open at the end; dwell of an open stay runs to then."
    )
    lines.append(_lag(report))
    return lines


def _lag(report: Report) -> str:
    """The decision lag: from an order change arriving to the move that corrected it."""
    if report.decision_lag_p50_s is None:
        return "Decision lag: none in this window (no move ended a re-coordination task)."
    p50, p90 = format_dwell(report.decision_lag_p50_s), format_dwell(report.decision_lag_p90_s)
    return f"Decision lag, order change to the correcting move: p50 {p50}, p90 {p90}."
