"""The benchmarks' own standby (src/stageterm/standby/): started by a first command in a
runtime folder of the run's, waited for, and ended with the run."""

from __future__ import annotations

import time

from stageterm.standby import place


def standing_by(env: dict[str, str]) -> None:
    """Wait until the standby a first command started listens (it loads for about a second)."""
    path = place.socket_path(env)
    if path is None:
        raise SystemExit("no private folder for the standby's socket")
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the standby did not start")
        time.sleep(0.1)


def stop_standby(env: dict[str, str]) -> None:
    """Remove the socket: the standby ends within a second."""
    path = place.socket_path(env)
    if path is not None:
        path.unlink(missing_ok=True)
