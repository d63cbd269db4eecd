"""`stageterm report` over 1M events and 30 days (SPEC §10: ≤ 2 s).

    python benchmarks/report.py [--db FILE] [--units 100000] [--events 1000000] [--runs 2]

- The report as it is (services/report.py): the steps read from the log straight from the
  database driver, stays and figures worked out on columns (services/stay_columns.py);
  by lane and by route, read in one go and in parts on every core (services/step_parts.py,
  as the command does), and the whole `stageterm report --json` process: handed to the
  benchmark's own standby (src/stageterm/standby/), as a user's command is, and in a
  process of its own (STAGETERM_STANDBY=off).
- The same figures by lane from SQLite alone, with window functions (report_sql.py), the
  way docs/performance.md weighed first; checked to agree with the report's.

Wall and CPU time are both printed, with the load average before and after: on a shared
machine the wall time of a run is mostly what the other processes leave of the CPU.
`--db FILE` keeps the synthetic site (it takes a minute or two to build) and reuses it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import report_site
import report_sql
from stageterm.commands.report import MOST_PARTS
from stageterm.domain.metrics import GroupBy, hour_ends
from stageterm.services.report import Report, StagingReport
from stageterm.store.engine import open_store
from standby_kit import standing_by, stop_standby
from tui_site import load, machine

END = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))


def timed(runs: int, work: Callable[[], object]) -> list[tuple[float, float]]:
    """(wall, cpu) seconds of each run."""
    times = []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def show(name: str, times: list[tuple[float, float]]) -> dict[str, Any]:
    walls = ", ".join(f"{w:.2f}" for w, _ in times)
    cpus = ", ".join(f"{c:.2f}" for _, c in times)
    print(f"{name}: wall {walls} s; cpu {cpus} s | {load()}", flush=True)
    return {"wall_s": [round(w, 3) for w, _ in times], "cpu_s": [round(c, 3) for _, c in times]}


def whole_process(
    path: Path, since: datetime, until: datetime, env: dict[str, str]
) -> tuple[float, float]:
    """(wall, cpu) seconds of `stageterm report --json` over the window, start to exit. The
    CPU is the started process's: handed to the standby, the caller's alone."""
    exe = Path(sys.executable).parent / "stageterm"
    window = ("--since", since.isoformat(), "--until", until.isoformat())
    started, before = time.perf_counter(), os.times()
    subprocess.run(
        [str(exe), "report", "--db", str(path), "--json", *window],
        check=True,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return time.perf_counter() - started, cpu


def sql_alone(path: Path, since: datetime, until: datetime) -> list[report_sql.Figures]:
    start, end = int(since.timestamp()), int(until.timestamp())
    offset = until.utcoffset()
    hours = hour_ends(start, end, int(offset.total_seconds()) if offset else 0)
    return report_sql.figures_by_lane(path, report_site.db_time(since), start, end, hours)


def same_figures(report: Report, figures: list[report_sql.Figures]) -> bool:
    ours = [
        (g.key, g.stays, g.open, g.dwell_p50_s, g.dwell_p90_s, g.dwell_max_s, g.units_now, g.series)
        for g in report.groups
    ]
    return ours == figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="keep (and reuse) the synthetic site here")
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory() if args.db is None else None
    path = args.db or Path(folder.name) / "report.db"  # type: ignore[union-attr]
    print(machine(), "|", load(), flush=True)
    if not path.exists():
        started = time.perf_counter()
        written = report_site.build(path, END, args.units, args.events)
        print(f"site: {written} events, built in {time.perf_counter() - started:.0f} s")
    since, until = END - timedelta(days=30), END
    figures: dict[str, Any] = {"machine": machine(), "load_before": load()}
    store = open_store(f"sqlite:///{path}")
    report = StagingReport(store, clock=lambda: until)
    by_lane = report.build(since, until, GroupBy.LANE)  # and numpy imported: not timed here
    print(f"{sum(g.stays for g in by_lane.groups)} stays in {len(by_lane.groups)} lanes")
    cores = min(MOST_PARTS, len(os.sched_getaffinity(0)))
    for by in ("lane", "route"):
        figures[f"report_by_{by}"] = show(
            f"report, by {by}, one read",
            timed(args.runs, lambda by=by: report.build(since, until, by)),
        )
        figures[f"report_by_{by}_in_parts"] = show(
            f"report, by {by}, the log read in {cores} parts (as the command does)",
            timed(args.runs, lambda by=by: report.build(since, until, by, parts=cores)),
        )
    store.dispose()
    with tempfile.TemporaryDirectory(dir="/tmp") as run:
        env = {**os.environ, "STAGETERM_TERMINAL": "bench", "XDG_RUNTIME_DIR": run}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        own = {**env, "STAGETERM_STANDBY": "off"}
        whole_process(path, since, until, own)  # bytecode written, the file in the page cache
        whole_process(path, since, until, env)  # ... and the standby started
        standing_by(env)
        processes = [whole_process(path, since, until, env) for _ in range(args.runs)]
        alone = [whole_process(path, since, until, own) for _ in range(args.runs)]
        stop_standby(env)
    figures["whole_process"] = show("whole `stageterm report --json` process", processes)
    figures["whole_process_own"] = show("... in a process of its own (no standby)", alone)
    figures["sql_alone_by_lane"] = show(
        "SQLite window functions alone, by lane",
        timed(args.runs, lambda: sql_alone(path, since, until)),
    )
    figures["sql_alone_agrees"] = same_figures(by_lane, sql_alone(path, since, until))
    print(f"the SQL's figures are the report's: {figures['sql_alone_agrees']}")
    figures["load_after"] = load()
    print(json.dumps(figures))
    if folder is not None:
        folder.cleanup()


if __name__ == "__main__":
    main()
