"""A month of the log read on several cores: the steps of a report's window in parts.

Handing 650,000 rows from SQLite to Python and coding them is most of a month's report
(docs/performance.md, "Staging report"), and it is one core's work. Here the window's
events are split by number into consecutive stretches; this process reads the first while
a forked process for each other stretch reads its own, over its own connection, and sends
its columns back; the parts are joined in the log's order (stay_columns.merged), so the
steps are the very ones one read gives.

Only for a SQLite file, a big enough window and a process with no other thread (a fork
copies one thread: the command line, and a standby's child, are such processes; the
terminal UI is not and reads in one go). Each part is read in a transaction of its own,
up to the newest event this process's transaction sees: events are never changed, and
on SQLite numbers are given in commit order, so the stretches hold what this
transaction would have read.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

from sqlmodel import Session

from stageterm.domain.metrics import GroupBy
from stageterm.services import stay_columns as columns
from stageterm.store import stays as stay_reads
from stageterm.store.engine import Store, open_store
from stageterm.store.errors import StoreError
from stageterm.store.forked import die_with as _die_with
from stageterm.store.forked import leave_signals_to_parent

# Below this many events in the window, one read is as quick as forking for it.
PARALLEL_FROM = 100_000


def read_steps(
    store: Store, session: Session, since: datetime, by: GroupBy, parts: int = 1
) -> columns.Steps:
    """The window's steps, read in up to `parts` parts at once where that can be done."""
    span = stay_reads.step_span(session, since) if parts > 1 else None
    if (
        span is None
        or span[1] - span[0] < PARALLEL_FROM
        or not store.is_sqlite
        or threading.active_count() > 1
    ):
        return columns.read_steps(stay_reads.step_rows(session, since, by))
    start, newest = span
    # The first part also takes whatever lies before the guide (a clock set back).
    bounds = [-1] + [start + (newest - start) * i // parts for i in range(1, parts)] + [newest]
    stretches = list(itertools.pairwise(bounds))
    forked = [_start_part(store.url, since, by, stretch) for stretch in stretches[1:]]
    read = [columns.read_steps(stay_reads.step_rows(session, since, by, stretches[0]))]
    read.extend(_finish_part(*part) for part in forked)
    return columns.merged(read)


def _start_part(
    url: str, since: datetime, by: GroupBy, seqs: tuple[int, int]
) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    # Daemonic: ended when this process ends normally; _read_part ends it when this process
    # is killed.
    process = context.Process(
        target=_read_part, args=(sending, url, since, by, seqs, os.getpid()), daemon=True
    )
    process.start()
    sending.close()
    return process, receiving


def _read_part(
    sending: Connection,
    url: str,
    since: datetime,
    by: GroupBy,
    seqs: tuple[int, int],
    parent: int,
) -> None:
    """In the forked process: read one stretch over a connection of its own, send it."""
    _die_with(parent)
    leave_signals_to_parent()
    try:
        store = open_store(url)
        with store.read() as session:
            steps = columns.read_steps(stay_reads.step_rows(session, since, by, seqs))
        sending.send(("steps", _as_message(steps)))
    except StoreError as exc:
        sending.send(("error", (str(exc), exc.code)))
    except Exception as exc:  # any other failure: the report says it, not a hang
        sending.send(("error", (f"reading the log failed: {exc}", "database-error")))
    finally:
        sending.close()


def _finish_part(
    process: multiprocessing.process.BaseProcess, receiving: Connection
) -> columns.Steps:
    try:
        kind, payload = receiving.recv()
    except EOFError:
        kind, payload = "error", ("a process reading the log ended early", "database-error")
    finally:
        receiving.close()
        process.join()
    if kind == "error":
        raise StoreError(*payload)
    return _from_message(payload)


def _as_message(steps: columns.Steps) -> tuple[Any, ...]:
    names = (steps.units.names, steps.places.names, steps.facts.names)
    return (steps.unit, steps.at, steps.before, steps.after, steps.fact, names)


def _from_message(message: tuple[Any, ...]) -> columns.Steps:
    unit, at, before, after, fact, (unit_names, place_names, fact_names) = message
    return columns.Steps(
        unit,
        at,
        before,
        after,
        fact,
        columns.Codes.of(unit_names),
        columns.Codes.of(place_names),
        columns.Codes.of(fact_names),
    )
