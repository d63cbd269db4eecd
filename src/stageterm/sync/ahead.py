"""Bodies made ahead: a big backlog's batches read and encoded on the other cores.

A drain is one core's work, and most of it is making each batch's body: reading its
events back, their units, places and orders, the EPCIS document and its JSON; posting
is about 5 % (docs/performance.md, "where a drain's time goes now"). For a backlog of
many batches `SyncWorker.drain_once` forks MAKERS processes here, each of which reads
and encodes the batches handed to it over a connection of its own, while the drain
leases the next batches, posts the bodies in seq order and marks them synced. Upstream
gets the same requests in the same order as from one process; only who builds a body
changes. Anything but a clean delivery ends the bodies made ahead, and the drain goes
on by itself (worker.py).

Only where a fork is safe and pays: the calling thread the only one of its process
(`stageterm sync`, its WAL checkpoint thread paused while forking; the terminal UI
drains in a thread and never forks) and at least AHEAD_FROM_BATCHES batches pending.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from stageterm.store.engine import open_store
from stageterm.store.forked import die_with, leave_signals_to_parent
from stageterm.sync.epcis import Encoder
from stageterm.sync.facts import FactsCache, events_by_seq

MAKERS = 2
AHEAD_FROM_BATCHES = 10  # fewer: forking and each maker's cold caches cost what they save
ASKED_PER_MAKER = 2  # batches leased and handed to a maker before its first body is back
# A maker's two requests must fit in its pipe while it writes a body the drain is not yet
# reading (Linux: ~200 kB a socket); a list of 5,000 seqs is ~25 kB. Bigger batches
# drain in one process.
LARGEST_BATCH = 5_000
ANSWER_WITHIN_S = 30.0  # a body takes ~25 ms; a maker this late is stuck: made here instead
LOOK_EVERY_S = 0.1  # while waiting for a body, how often a stop is looked for


def worth_it() -> bool:
    """Makers can run beside the drain: fork is there, and another core for them."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity call on this system: every core counts
        cores = os.cpu_count() or 1
    return MAKERS > 0 and cores > 1 and "fork" in multiprocessing.get_all_start_methods()


def fits(batch: int) -> bool:
    return batch <= LARGEST_BATCH


class MakerFailed(Exception):
    """A body maker ended or failed: the drain makes its bodies itself from here."""


@dataclass(frozen=True)
class Made:
    """One batch's request body, and its events' ids (to read upstream's answer by)."""

    body: bytes
    ids: dict[str, int]  # event id -> seq


class BodyMakers:
    """MAKERS forked processes, each asked for bodies in turn and answering in order."""

    def __init__(self, url: str, encoder: Encoder, count: int | None = None) -> None:
        count = MAKERS if count is None else count
        context = multiprocessing.get_context("fork")
        self._makers: list[tuple[BaseProcess, Connection]] = []
        for _ in range(count):
            ours, theirs = context.Pipe(duplex=True)
            # Daemonic: ended when this process ends normally; die_with ends it when this
            # process is killed.
            process = context.Process(
                target=_make_bodies, args=(theirs, url, encoder, os.getpid()), daemon=True
            )
            process.start()
            theirs.close()
            self._makers.append((process, ours))
        self._turn = itertools.cycle(range(count))
        self._broken: dict[int, str] = {}  # a maker that could not be asked, and why

    @property
    def room(self) -> int:
        """Batches that may be asked for before the first answer is read."""
        return len(self._makers) * ASKED_PER_MAKER

    def ask(self, seqs: Sequence[int]) -> int:
        """Hand a leased batch to the next maker; returns which one (to read its answer)."""
        maker = next(self._turn)
        try:
            self._makers[maker][1].send(list(seqs))
        except OSError as exc:  # it has ended (a broken pipe): said when its answer is read
            self._broken.setdefault(maker, f"a body maker ended: {exc}")
        return maker

    def answer(self, maker: int, seqs: Sequence[int], stop: threading.Event) -> Made | None:
        """The body of `seqs`, the oldest batch asked of `maker`; None once `stop` is set."""
        if maker in self._broken:
            raise MakerFailed(self._broken[maker])
        connection = self._makers[maker][1]
        deadline = time.monotonic() + ANSWER_WITHIN_S
        try:
            while not connection.poll(LOOK_EVERY_S):
                if stop.is_set():
                    return None
                if time.monotonic() >= deadline:
                    raise MakerFailed(f"a body maker did not answer in {ANSWER_WITHIN_S:.0f} s")
            message = connection.recv()
        except (EOFError, OSError) as exc:
            raise MakerFailed("a body maker ended early") from exc
        if message[0] != "made":
            raise MakerFailed(f"a body maker failed: {message[1]}")
        made = Made(message[1], message[2])
        if sorted(made.ids.values()) != sorted(seqs):
            raise MakerFailed("a body maker answered for other events")
        return made

    def close(self) -> None:
        """End the makers (at once: what they would still make is not wanted)."""
        for process, connection in self._makers:
            connection.close()
            process.kill()
            process.join(timeout=5)
        self._makers = []


def _make_bodies(connection: Connection, url: str, encoder: Encoder, parent: int) -> None:
    """In the forked process: read and encode each batch asked for, until told to stop."""
    die_with(parent)
    leave_signals_to_parent()
    cache = FactsCache()
    try:
        store = open_store(url)
    except Exception as exc:  # the drain makes its bodies itself: it only needs the reason
        connection.send(("error", str(exc)))
        return
    while True:
        try:
            seqs = connection.recv()
        except EOFError:  # the drain has closed its end
            return
        made: tuple[Any, ...]
        try:
            with store.read() as session:
                events = events_by_seq(session, seqs)
                facts = cache.facts(session, events)
            made = ("made", encoder.body(events, facts), {e.id: e.seq for e in events})
        except Exception as exc:  # any failure: the drain makes this body itself
            made = ("error", f"{type(exc).__name__}: {exc}")
        try:
            connection.send(made)
        except OSError:  # the drain has closed its end
            return
