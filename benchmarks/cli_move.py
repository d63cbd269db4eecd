"""A command-line move as a whole process: `stageterm move` (and `scan`) from exec to exit.

    python benchmarks/cli_move.py [--processes 40]

Seeds a demo site in a temporary folder (`stageterm demo --seed-only`), runs one warm-up
(so Python's bytecode cache is written, as on an installed terminal, and the standby is
started: src/stageterm/standby/), waits until the standby listens, then runs
`--processes` processes of each kind, alternating a unit between two places so that every
`move` writes: `move` and `scan` as a user runs them (handed to the standby), and `move`
with STAGETERM_STANDBY=off (the command in its own process, as before the standby and as
the first command after a standby ended). For each kind: wall-clock p50/p90 and the CPU
time (user + sys) of the process started; for a command handed over that is the caller's
alone (the standby's child that does the work is not a child of the benchmark). For
scale, in the same run: `python -c pass` and `stageterm --version`. Then one
`-X importtime` run of a move in its own process: the cumulative import cost of the heavy
libraries (SQLAlchemy, SQLModel, pydantic-settings), which the standby pays once.

The benchmark's standby is its own (XDG_RUNTIME_DIR is a folder of the run's) and ends
with the run.

Budget: SPEC §10 ≤ 300 ms; issue #17's goal ≤ 250 ms p50 on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from standby_kit import standing_by, stop_standby

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "pydantic_settings",
    "alembic",
    "biip",
    "stageterm.config",
    "stageterm.services.site",
)


def stageterm() -> str:
    found = Path(sys.executable).with_name("stageterm")
    return str(found) if found.exists() else (shutil.which("stageterm") or "stageterm")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall ms, CPU ms (user + sys of the child) and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    return wall, cpu, done.stdout


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def imports(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Cumulative import ms of the heavy libraries in one run (`-X importtime`)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], env=env, capture_output=True, text=True
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        name = name.strip()
        if name in HEAVY and cumulative.strip().isdigit():
            found[name] = round(int(cumulative) / 1000, 1)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=40)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"NO_COLOR": "1", "TERM": "dumb"})
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory(dir="/tmp") as run:
        env["XDG_RUNTIME_DIR"] = run  # short enough for a socket's path
        db = Path(tmp) / "demo.db"
        env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = tmp  # no user settings read
        subprocess.run([stageterm(), "demo", "--db", str(db), "--seed-only"], env=env, check=True)
        url = f"sqlite:///{db}"
        exe = stageterm()
        places = ("S-12", "L-04")

        def move(n: int) -> list[str]:
            to = places[n % 2]
            return [exe, "--db", url, "move", "U00003", "--to", to, "--operator", "1001"]

        def scan(n: int) -> list[str]:
            to = places[n % 2]
            return [exe, "--db", url, "scan", "--operator", "1001", to, "U00003"]

        own = {**env, "STAGETERM_STANDBY": "off"}
        kinds = {
            "python -c pass": (lambda n: [sys.executable, "-c", "pass"], env),
            "stageterm --version": (lambda n: [exe, "--version"], env),
            "stageterm move": (move, env),
            "stageterm scan": (scan, env),
            "stageterm move, own process": (move, own),
        }
        timed(move(1), own)  # warm-up: bytecode written, the file in the page cache
        timed(scan(0), env)  # ... and the standby started
        standing_by(env)
        results: dict[str, dict[str, float]] = {}
        walls: dict[str, list[float]] = {k: [] for k in kinds}
        cpus: dict[str, list[float]] = {k: [] for k in kinds}
        for n in range(args.processes):  # interleaved, so load moves every kind alike
            for name, (argv, kind_env) in kinds.items():
                wall, cpu, out = timed(argv(n), kind_env)
                walls[name].append(wall)
                cpus[name].append(cpu)
                if name == "stageterm move" and "to " not in out and "already" not in out:
                    raise SystemExit(f"move did not answer as expected: {out!r}")
        for name in kinds:
            results[name] = {
                "wall_p50_ms": round(statistics.median(walls[name]), 1),
                "wall_p90_ms": round(pct(walls[name], 90), 1),
                "cpu_p50_ms": round(statistics.median(cpus[name]), 1),
            }
        heavy = imports(move(0), own)
        stop_standby(env)
    load = os.getloadavg()
    print(f"{args.processes} processes of each kind; load average {load[0]:.1f} {load[1]:.1f}\n")
    print("| what | wall p50 ms | wall p90 ms | CPU p50 ms |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['wall_p50_ms']} | {r['wall_p90_ms']} | {r['cpu_p50_ms']} |")
    print("\nImport cost in one move (cumulative ms, -X importtime):")
    for name, ms in sorted(heavy.items(), key=lambda kv: -kv[1]):
        print(f"    {name}: {ms}")
    summary = {
        "processes": args.processes,
        "move_p50_ms": results["stageterm move"]["wall_p50_ms"],
        "move_cpu_p50_ms": results["stageterm move"]["cpu_p50_ms"],
        "scan_p50_ms": results["stageterm scan"]["wall_p50_ms"],
        "scan_cpu_p50_ms": results["stageterm scan"]["cpu_p50_ms"],
        "move_own_process_p50_ms": results["stageterm move, own process"]["wall_p50_ms"],
        "version_p50_ms": results["stageterm --version"]["wall_p50_ms"],
        "python_p50_ms": results["python -c pass"]["wall_p50_ms"],
        "imports_ms": heavy,
        "load": round(load[0], 1),
    }
    print("\n" + json.dumps(summary))
    return 0 if summary["move_p50_ms"] <= 250 and summary["scan_p50_ms"] <= 250 else 1


if __name__ == "__main__":
    sys.exit(main())
