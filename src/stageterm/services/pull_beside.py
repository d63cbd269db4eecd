"""A terminal's pull worker (SPEC §6a), each pass in a process of its own.

A terminal whose settings name a feed or an inbox pulls master data for its site when no
other worker does. The pass itself (reading pages, checking rows, planning slices) is
Python work; run in a thread of the terminal's process it took the interpreter from the
scans for tens of milliseconds at a time (scan p99 21 ms while a 10k-line pull ran, SPEC
§10 allows 5). So the terminal only keeps time and the lease here, and each pass is a
`stageterm pull --once` child that takes the lease over from it: scans then wait only for
the write lock and a CPU, as beside any other process.

Only the terminal that holds the site's pull lease starts a child (a stageterm-pull
service, or another terminal, holding it means nothing to do), so a site of many
terminals starts one child a poll, not one a terminal.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from collections.abc import Callable

from stageterm.services.station import Station
from stageterm.store import pull_state
from stageterm.store.pull_state import LEASE, POLL_S
from stageterm.sync.outbox import new_owner, owner_is_dead

UNREACHABLE = 5  # `pull --once`'s exit when the feed is down or refuses us
FIRST_PASS_AFTER_S = 2.0  # let the terminal come up first: start-up has a budget of its own
BACKOFF_MAX_S = 600.0


def _quiet(_line: str) -> None:
    """No log lines."""


class PullBeside:
    """Pull passes for one terminal, as child processes of it."""

    def __init__(self, station: Station, command: list[str] | None = None) -> None:
        self.station = station
        self.store = station.store
        self.owner = new_owner()
        # How to run stageterm again: the interpreter this one runs in, so a venv is kept;
        # -P: a stageterm.py in the folder the terminal started in is not imported instead.
        self.command = command or [sys.executable, "-P", "-m", "stageterm"]
        self._child: subprocess.Popen[str] | None = None
        atexit.register(self._end_child)  # the terminal leaving ends a pass in flight

    def run(
        self,
        stop: threading.Event,
        say: Callable[[str], None] = _quiet,
        poll: float = POLL_S,
        first_after: float = FIRST_PASS_AFTER_S,
    ) -> None:
        """A pass every `poll` seconds until `stop` is set, backing off while the feed is
        down; a pass running when `stop` is set is ended (its slices are all-or-nothing)."""
        wait = poll
        if stop.wait(first_after):
            return
        while not stop.is_set():
            try:
                code = self.once(say, stop)
            except Exception as exc:  # the database failing at the lease: try at the next poll
                say(f"pull pass not run: {exc}")
                code = None
            wait = min(wait * 2, BACKOFF_MAX_S) if code == UNREACHABLE else poll
            stop.wait(wait)

    def once(
        self, say: Callable[[str], None] = _quiet, stop: threading.Event | None = None
    ) -> int | None:
        """One pass when this terminal gets the lease: the child's exit code, else None."""
        try:
            holder = pull_state.take_lease(self.store, self.owner, LEASE, owner_is_dead)
        except Exception as exc:  # the database busy or gone: the next poll tries again
            say(f"pull not started: {exc}")
            return None
        if holder is not None:
            return None  # a service or another terminal pulls for the site
        try:
            return self._pass(say, stop)
        finally:
            # The child took the lease over and dropped it; this is for a child that never
            # started (or died before taking it). A database failing here leaves the lease
            # to run out (LEASE), as a dead worker's would.
            try:
                pull_state.drop_lease(self.store, self.owner)
            except Exception as exc:
                say(f"pull lease not given back: {exc}")

    def _pass(self, say: Callable[[str], None], stop: threading.Event | None) -> int | None:
        # The child reads the settings as this terminal did (the same environment, folder
        # and stageterm.toml), with the database this terminal opened and its id on what
        # the pass records.
        env = {
            **os.environ,
            "STAGETERM_DB": self.store.url,
            "STAGETERM_TERMINAL": self.station.terminal,
        }
        argv = [*self.command, "pull", "--once", "--taking-over", self.owner]
        try:
            child = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=True,  # the terminal's Ctrl-C and hangup are its own
            )
        except OSError as exc:
            say(f"pull not started: {exc}")
            return None
        self._child = child
        if stop is not None:
            threading.Thread(target=self._end_on, args=(stop, child), daemon=True).start()
        assert child.stderr is not None
        for line in child.stderr:
            if line.strip():
                say(line.rstrip("\n"))
        code = child.wait()
        self._child = None
        return code

    def _end_child(self) -> None:
        """End the pass in flight, if any (at the terminal's exit)."""
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()

    @staticmethod
    def _end_on(stop: threading.Event, child: subprocess.Popen[str]) -> None:
        while child.poll() is None:
            if stop.wait(0.2):
                child.terminate()
                return
