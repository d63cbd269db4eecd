"""Start to sign-in screen: spawn the installed `stageterm` in tmux and time until the
sign-in screen is painted (polling the pane), on the demo site.

    python benchmarks/tui_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tui_site import demo_site, machine

BUDGET_S = 1.0


def one_start(stageterm: Path, db: Path, home: Path) -> float:
    socket = f"stageterm-bench-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAGETERM_")}
    env.update(HOME=str(home), TERM="vt220", LANG="C.UTF-8")

    def tmux(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", socket, "-f", "/dev/null", *args],
            env=env,
            capture_output=True,
            text=True,
        )

    command = f"env TERM=vt220 STAGETERM_DB={db} STAGETERM_TERMINAL=bench STAGETERM_IDLE_MINUTES=0 {stageterm}"
    start = time.perf_counter()
    tmux("new-session", "-d", "-s", "b", "-x", "80", "-y", "24", command)
    try:
        while time.perf_counter() - start < 20:
            if "Scan your badge" in tmux("capture-pane", "-p", "-t", "b").stdout:
                return time.perf_counter() - start
            time.sleep(0.005)
        raise RuntimeError("the sign-in screen never appeared")
    finally:
        tmux("kill-server")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is needed: apt-get install -y tmux", file=sys.stderr)
        return 1
    stageterm = Path(sys.executable).parent / "stageterm"
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        db = Path(tmp) / "demo.db"
        demo_site(db).dispose()
        times = [one_start(stageterm, db, Path(tmp)) for _ in range(args.runs)]
    median, worst = statistics.median(times), max(times)
    verdict = "within" if median <= BUDGET_S else "OVER"
    print("## Terminal UI: start to sign-in screen\n")
    print(f"Machine: {machine()}\n")
    print("| runs | median | max | budget |")
    print("|---|---|---|---|")
    print(f"| {args.runs} | {median:.2f} s | {worst:.2f} s | {BUDGET_S:.1f} s ({verdict}) |")
    print(
        f"\nEach run: `stageterm` spawned in a fresh tmux server (TERM=vt220, 80x24) on the demo site; "
        "timed from the spawn until the pane shows the sign-in screen. First run: "
        f"{times[0]:.2f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
