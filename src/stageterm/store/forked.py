"""Processes forked to read the database on another core (a report's log parts, a sync's
bodies made ahead): what every such process does first.

A fork copies only the thread that forks, so these are started only from a process with
no other thread running. The child opens a store of its own (`open_store(url)`): it
never touches the connections it was forked with, which are its parent's.
"""

from __future__ import annotations

import ctypes
import os
import signal
from contextlib import suppress

_PR_SET_PDEATHSIG = 1  # prctl(2), Linux


def die_with(parent: int) -> None:
    """End this process when `parent` ends, however it ends (SIGTERM, SIGKILL): a reader
    left behind would read on for nothing, and hold whatever descriptors it was forked
    with (a standby's child's connection to its caller: the caller would wait for it)."""
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the line above
        os._exit(0)


def leave_signals_to_parent() -> None:
    """Ctrl-C (sent to the whole foreground group) and the standby's watch on its caller
    are for the process that forked us, which ends us."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGIO, signal.SIG_IGN)
