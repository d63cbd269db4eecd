"""A pull killed between two slices of a feed page (SIGKILL, a real `stageterm pull --once`
process), then pulled again, leaves the site exactly as one pull that was never stopped:
the page is taken again from its first slice, and what was written already is not written
twice (no second order change or task, no second hold/release by `upstream`, no second
receipt). SPEC §6a, §10.

The pull is caught mid-page without any hook in the product: the test watches the file as
a reader (WAL: reading never waits), stops the process (SIGSTOP) once part of a page is
there, and kills it only when it is stopped outside a transaction (the write lock free),
with some of the page's slices committed and the page's cursor not kept.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from integration.erp import Erp
from integration.helpers import held_write_lock, seed_now
from stageterm.intake.slices import SLICE_RECORDS

PAGES = 4
NEW_PER_PAGE = 400  # new orders (2 lines each) or new units a page: many slices
CHANGED_ORDERS = (  # demo orders with staged units: (ref, customer, route, status)
    ("SO-1001", "ACME", "EAST", "open"),  # route changed: restage tasks
    ("SO-1002", "CORA", "SOUTH", "open"),  # customer changed
    ("SO-1003", "CORA", "EAST", "cancelled"),  # cancelled: unstage tasks
    ("SO-1005", "BOLT", "SOUTH", "open"),
    ("SO-1006", "CORA", "NORTH", "cancelled"),
    ("SO-1007", "ACME", "NORTH", "open"),
    ("SO-1009", "CORA", "SOUTH", "open"),
    ("SO-1010", "ACME", "SOUTH", "cancelled"),
)
# New records in a page's first slice: after its changed orders' lines (2 orders of 2 lines
# each, new orders have 2 lines) or its known units (3).
FIRST_SLICE_NEW = {"orders": (SLICE_RECORDS - 4) // 2, "units": SLICE_RECORDS - 3}


@pytest.fixture
def erp() -> Iterator[Erp]:
    server = Erp().start()
    yield server
    server.stop()


def order_pages(db: Path) -> list[list[dict[str, Any]]]:
    """Each page opens with changed demo orders (in its first slice, so that a page caught
    half-written has recorded their changes and tasks), then new orders of two lines."""
    with closing(sqlite3.connect(db)) as site:
        lines = {
            ref: site.execute(
                "SELECT item, quantity FROM order_lines WHERE order_ref = ? ORDER BY id", (ref,)
            ).fetchall()
            for ref, *_ in CHANGED_ORDERS
        }
    pages: list[list[dict[str, Any]]] = []
    for page in range(PAGES):
        rows: list[dict[str, Any]] = []
        for ref, customer, route, status in CHANGED_ORDERS[2 * page : 2 * page + 2]:
            header = {"ref": ref, "kind": "outbound", "customer": customer, "route": route}
            rows += [
                {**header, "status": status, "item": item, "quantity": quantity}
                for item, quantity in lines[ref]
            ]
        for n in range(NEW_PER_PAGE):
            ref = f"PO-{page}{n:04d}"
            header = {"ref": ref, "kind": "outbound", "customer": "BOLT", "route": "WEST"}
            rows += [{**header, "item": f"FG-{100 + j}", "quantity": 5 + j} for j in range(2)]
        pages.append(rows)
    return pages


def unit_pages(db: Path) -> list[list[dict[str, Any]]]:
    """Each page opens with known demo units whose quality flips (hold <-> released), then
    new units received into storage."""
    with closing(sqlite3.connect(db)) as site:
        known = site.execute(
            "SELECT code, item, quantity, quality FROM units WHERE code LIKE 'U%' "
            "AND quality IN ('released', 'hold') AND state = 'stored' ORDER BY code LIMIT ?",
            (3 * PAGES,),
        ).fetchall()
    pages: list[list[dict[str, Any]]] = []
    for page in range(PAGES):
        rows: list[dict[str, Any]] = [
            {
                "code": code,
                "item": item,
                "quantity": quantity,
                "quality": "released" if quality == "hold" else "hold",
            }
            for code, item, quantity, quality in known[3 * page : 3 * page + 3]
        ]
        rows += [
            {"code": f"N-{page}{n:04d}", "item": "FG-100", "quantity": 10, "location": "S-01"}
            for n in range(NEW_PER_PAGE)
        ]
        pages.append(rows)
    return pages


def pull(run_cli: Any, db: Path, erp: Erp) -> subprocess.Popen[str]:
    env = {"STAGETERM_MASTER_URL": erp.url, "STAGETERM_MASTER_TOKEN": erp.token}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "stageterm"), "pull", "--once", "--json"],
        cwd=run_cli.home,
        env=run_cli.env(f"sqlite:///{db}", env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def progress(db: Path, kind: str) -> tuple[int, int] | None:
    """(pages of `kind` kept by the cursor, the feed's new records written so far); None in
    the rare moment a WAL reader is told to wait (the writer resetting the WAL)."""
    table, prefix = (
        ("orders", "ref LIKE 'PO-%'") if kind == "orders" else ("units", "code LIKE 'N-%'")
    )
    try:
        with closing(sqlite3.connect(db, timeout=0)) as reader:
            cursor = reader.execute(
                "SELECT cursor FROM feed_cursors WHERE kind = ?", (kind,)
            ).fetchone()
            written = reader.execute(f"SELECT count(*) FROM {table} WHERE {prefix}").fetchone()[0]
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc) or "busy" in str(exc), exc
        return None
    return (int(cursor[0]) if cursor and cursor[0] else 0), written


def half_written(state: tuple[int, int] | None, kind: str) -> bool:
    """More than the first slice of a page in (so that the next pull takes again a slice
    that is not the last one written), and not all of it."""
    if state is None:
        return False
    kept, written = state
    return kept * NEW_PER_PAGE + FIRST_SLICE_NEW[kind] < written < (kept + 1) * NEW_PER_PAGE


def kill_mid_page(process: subprocess.Popen[str], db: Path, kind: str) -> tuple[int, int]:
    """SIGKILL the pull once it stands between two slices of a page, part of it written;
    returns (pages kept, new records written) as it left them."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the pull ended before it was caught mid-page"
        if not half_written(progress(db, kind), kind):
            time.sleep(0.0005)  # between pages, or not started: nothing half-written yet
            continue
        process.send_signal(signal.SIGSTOP)
        state = progress(db, kind)
        if state is not None and half_written(state, kind) and not held_write_lock(db):
            process.kill()  # between two slices, the page half-written and its cursor not kept
            process.wait(timeout=30)
            return state
        process.send_signal(signal.SIGCONT)  # inside a transaction or at a page's end: on
        time.sleep(0.0005)
    raise AssertionError("the pull was never caught between two slices of a page")


def upstream_events(site: dict[str, list[tuple[object, ...]]]) -> int:
    return sum(1 for event in site["events"] if event[3] == "upstream")


def site_as_left(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Everything the pull writes, but the moments it wrote it (the wall clock's)."""
    queries = {
        "orders": "SELECT * FROM orders ORDER BY ref",
        "order_lines": "SELECT * FROM order_lines ORDER BY id",
        "order_changes": "SELECT id, order_ref, field, old, new FROM order_changes ORDER BY id",
        "tasks": "SELECT id, kind, unit, order_ref, at, suggested, reason, ended_at IS NULL "
        "FROM tasks ORDER BY id",
        "units": "SELECT * FROM units ORDER BY code",
        "events": "SELECT seq, type, unit, operator, terminal, from_location, to_location, "
        "from_state, to_state, from_quality, to_quality, quantity, reason, payload, sync_state "
        "FROM events ORDER BY seq",
        "feed_cursors": "SELECT kind, cursor FROM feed_cursors ORDER BY kind",
    }
    with closing(sqlite3.connect(db)) as site:
        return {name: site.execute(sql).fetchall() for name, sql in queries.items()}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["orders", "units"])
def test_a_pull_killed_between_slices_is_finished_by_the_next_as_if_never_stopped(
    run_cli: Any, sqlite_factory: Any, erp: Erp, kind: str
) -> None:
    stopped = Path(sqlite_factory.url("demo-now", seed_now).removeprefix("sqlite:///"))
    clean = Path(sqlite_factory.url("demo-now", seed_now).removeprefix("sqlite:///"))
    erp.pages[kind] = order_pages(stopped) if kind == "orders" else unit_pages(stopped)
    before = site_as_left(stopped)

    kept, written = kill_mid_page(pull(run_cli, stopped, erp), stopped, kind)
    half = site_as_left(stopped)
    # Caught mid-page: some of its slices in, its cursor not kept, so it is asked for again.
    assert kept < PAGES and half_written((kept, written), kind)
    assert half["feed_cursors"] == ([(kind, str(kept))] if kept else [])
    # ... and its first slice, with the changes of known orders or units, is in.
    if kind == "orders":
        assert len(half["order_changes"]) > len(before["order_changes"])
        assert len(half["tasks"]) > len(before["tasks"])
    else:
        assert upstream_events(half) == 3 * (kept + 1)

    again = pull(run_cli, stopped, erp)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    once = pull(run_cli, clean, erp)
    clean_out, clean_err = once.communicate(timeout=120)
    assert once.returncode == 0, clean_err
    # What the second pull reports adds up with what the killed one wrote to one whole pull.
    resumed, whole = json.loads(out), json.loads(clean_out)
    new_tasks = len(half["tasks"]) - len(before["tasks"])
    assert resumed["tasks_opened"] + new_tasks == whole["tasks_opened"]
    new_events = len(half["events"]) - len(before["events"])
    assert (
        resumed["quality_events"] + upstream_events(half) - upstream_events(before)
        == (whole["quality_events"])
    )
    assert (kind != "units") or new_events == upstream_events(half) + written

    assert site_as_left(stopped) == site_as_left(clean)
    done = site_as_left(clean)
    assert done["feed_cursors"] == [(kind, str(PAGES))]
    if kind == "orders":
        # One change a changed field, and one task a staged unit, however often they came.
        fields = [(ref, field) for _id, ref, field, _old, _new in done["order_changes"]]
        assert len(fields) == len(set(fields)) > 0
        opened = [unit for _id, _kind, unit, *_, still_open in done["tasks"] if still_open]
        assert len(opened) == len(set(opened)) > 0
    else:
        received = [
            e[2] for e in done["events"] if e[1] == "receive" and str(e[2]).startswith("N-")
        ]
        assert len(received) == len(set(received)) == PAGES * NEW_PER_PAGE
        flips = [e[2] for e in done["events"] if e[3] == "upstream"]
        assert len(flips) == len(set(flips)) == 3 * PAGES
