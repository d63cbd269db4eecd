"""A reader of the report's log parts (services/step_parts.py) ends when the process that
forked it is killed: left behind it would hold what it was forked with (a standby's child's
connection to its caller, which then waits for ever; seen by SIGTERM to a big report)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

SCRIPT = """
import multiprocessing, os, signal, sys, time
from stageterm.services import step_parts

def reader(parent):
    step_parts._die_with(parent)
    time.sleep(60)

if __name__ == "__main__":
    child = multiprocessing.get_context("fork").Process(target=reader, args=(os.getpid(),))
    child.start()
    print(child.pid, flush=True)
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)  # no exit handler runs: only the kernel can tell
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is gone for our purpose
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_part_reader_ends_with_the_process_that_forked_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    reader = int(done.stdout.split()[0])
    deadline = time.monotonic() + 10
    while alive(reader):
        assert time.monotonic() < deadline, "the part reader outlived its parent"
        time.sleep(0.05)
