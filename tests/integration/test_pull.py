"""Master data in and re-coordination (SPEC §6a), with real parts: a loopback ERP feed, a
real inbox folder, the site on SQLite and PostgreSQL, and the installed `stageterm`."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from integration.erp import Erp, inbox_with_a_good_and_a_bad_file, pulling_env
from integration.helpers import build_site
from stageterm.commands.report import as_text
from stageterm.config.model import Settings
from stageterm.intake import pulling
from stageterm.intake.slices import SLICE_RECORDS
from stageterm.services.site import Site
from stageterm.store.engine import Store
from stageterm.store.errors import StoreError

SO1 = {"ref": "SO-1", "kind": "outbound", "customer": "ACME", "route": "NORTH"}


@pytest.fixture
def erp() -> Iterator[Erp]:
    server = Erp().start()
    yield server
    server.stop()


def pulling_site(store: Store, clock, erp: Erp, inbox: Path | None = None) -> Site:  # type: ignore[no-untyped-def]
    settings = Settings(master_url=erp.url, master_token=SecretStr(erp.token), inbox=inbox)
    return Site(store, terminal="T-1", settings=settings, clock=clock)


def test_a_changed_route_becomes_a_task_that_the_correcting_move_ends(
    site_store: Store,
    clock,
    erp: Erp,  # type: ignore[no-untyped-def]
) -> None:
    site = pulling_site(site_store, clock, erp)
    assert site.moves.move("U-01", "L-ACME-N", "1001").outcome.value == "moved"
    clock.advance(minutes=10)
    erp.pages["orders"] = [
        [{**SO1, "customer": "BOLT", "route": "SOUTH", "item": "FG-1", "quantity": 200}]
    ]

    report = site.pull.once()

    assert report.order_changes == 2 and report.tasks_opened == 1
    [task] = site.views.tasks()
    assert task.as_json() == {
        "kind": "restage",
        "unit": "U-01",
        "order": "SO-1",
        "at": "L-ACME-N",
        "suggested": ["L-BOLT-S"],
        "since": task.since.isoformat(),
        "reason": "order SO-1 now BOLT/SOUTH",
    }
    assert site.views.task_counts() == {"L-ACME-N": 1}
    clock.advance(minutes=7)
    assert site.moves.move("U-01", "L-BOLT-S", "1001").outcome.value == "moved"
    assert site.views.tasks() == []
    lag = site.staging_report.build(until=clock.current)
    assert lag.decision_lag_p50_s == 7 * 60
    assert as_text(lag)[-1] == "Decision lag, order change to the correcting move: p50 7m, p90 7m."
    # The cursor is kept: the next pull asks after the page it took, and takes nothing twice.
    site.pull.once()
    assert ("orders", "1", f"Bearer {erp.token}") in erp.seen


def test_a_cancelled_order_unstages_and_a_done_one_is_left(
    site_store: Store, clock, erp: Erp
) -> None:  # type: ignore[no-untyped-def]
    site = pulling_site(site_store, clock, erp)
    site.moves.move("U-01", "L-ACME-N", "1001")
    site.moves.move("U-09", "L-BOLT-S", "1001")
    erp.pages["orders"] = [
        [
            {**SO1, "status": "cancelled", "item": "FG-1", "quantity": 200},
            {
                "ref": "SO-2",
                "kind": "outbound",
                "customer": "BOLT",
                "route": "SOUTH",
                "status": "done",
                "item": "FG-5",
                "quantity": 10,
            },
        ]
    ]
    site.pull.once()
    assert [(t.kind, t.unit, t.suggested) for t in site.views.tasks()] == [("unstage", "U-01", ())]
    site.moves.move("U-01", "S-01", "1001")
    assert site.views.tasks() == []


def test_known_units_quality_becomes_an_event_other_differences_conflicts(
    site_store: Store,
    clock,
    erp: Erp,  # type: ignore[no-untyped-def]
) -> None:
    site = pulling_site(site_store, clock, erp)
    erp.pages["units"] = [
        [
            {"code": "U-03", "item": "FG-1", "quantity": 40, "quality": "hold", "order": "SO-1"},
            {"code": "U-08", "item": "FG-4", "quantity": 99},
            {"code": "N-01", "item": "FG-1", "quantity": 5, "location": "S-01"},
        ]
    ]
    report = site.pull.once()
    assert report.problems == [] and report.quality_events == 1
    assert [c.as_json() for c in report.conflicts] == [{"unit": "U-08", "field": "quantity"}]
    held = site.views.unit_detail("U-03")
    assert held is not None and held.unit.quality.value == "hold"
    assert held.history[-1].operator == "upstream"
    assert site.views.unit("U-08").quantity == 10  # type: ignore[union-attr]
    assert site.views.unit("N-01") is not None


def test_a_bad_page_is_not_written_and_asked_again(site_store: Store, clock, erp: Erp) -> None:  # type: ignore[no-untyped-def]
    site = pulling_site(site_store, clock, erp)
    erp.pages["units"] = [
        [
            {"code": "N-01", "item": "FG-1", "quantity": 5},
            {"code": "N-02", "item": "FG-1", "quantity": 5, "gtin": "09501101530004"},
        ]
    ]
    report = site.pull.once()
    assert len(report.problems) == 1 and report.problems[0].startswith("units@start:2: ")
    assert site.views.unit("N-01") is None
    erp.pages["units"][0][1].pop("gtin")
    assert site.pull.once().problems == []
    assert [s[:2] for s in erp.seen if s[0] == "units"] == [
        ("units", None),
        ("units", None),
        ("units", "1"),
    ]
    assert site.views.unit("N-01") is not None


def test_the_feed_down_or_refusing_is_reported_never_a_hang(
    site_store: Store, clock, erp: Erp
) -> None:  # type: ignore[no-untyped-def]
    site = pulling_site(site_store, clock, erp)
    erp.failures = 100
    from stageterm.sync.feed import Feed

    feed = Feed(erp.url, SecretStr(erp.token), attempts=2, retry_initial=0.01, retry_max=0.02)
    report = site.pull.once(feed=feed)
    assert report.unreachable is not None and "500" in report.unreachable
    erp.failures = 0
    erp.token = "another"
    report = site.pull.once()
    assert report.refused is not None and "401" in report.refused
    assert "erp-secret-1" not in json.dumps(report.as_json())


def test_pull_and_tasks_on_the_command_line_with_an_inbox(
    run_cli, demo_db: str, erp: Erp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inbox = inbox_with_a_good_and_a_bad_file(tmp_path / "inbox", "L-NEW,lane,New,,,,4,")
    env = pulling_env(erp, inbox)
    result = run_cli("pull", "--once", "--json", db=demo_db, env=env)
    assert result.returncode == 2, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files"] == {"done": ["locations-new.csv"], "failed": ["units-bad.csv"]}
    assert summary["kinds"]["locations"] == {"created": 1, "updated": 0, "conflicts": 0}
    assert (inbox / "done" / "locations-new.csv").exists()
    error = (inbox / "failed" / "units-bad.csv.error.txt").read_text()
    assert error.startswith("units-bad.csv:2: ")
    assert "Traceback" not in result.stderr and erp.token not in result.stderr

    tasks = run_cli("tasks", "--json", db=demo_db)
    assert tasks.returncode == 0 and json.loads(tasks.stdout) == []

    erp.failures = 100
    down = run_cli("pull", "--once", db=demo_db, env={**env, "STAGETERM_INBOX": ""}, timeout=120)
    assert down.returncode == 5, down.stderr
    assert down.stderr.strip().splitlines()[-1].startswith("stageterm: feed ")


@pytest.mark.parametrize("kind", ["orders", "units"])
def test_a_page_cut_off_between_slices_is_taken_again_and_nothing_twice(  # type: ignore[no-untyped-def]
    backend, fixed_now, clock, erp: Erp, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The database gone after two slices of a page (on both backends): the next pull takes
    the page again and the site ends as one uncut pull leaves it, the changes of the first
    slice (an order's change and task, a unit's hold) and its receipts there once."""
    new = 2 * SLICE_RECORDS + SLICE_RECORDS // 2  # three slices, the first opening with...
    if kind == "orders":  # ... an order whose customer and route changed
        page = [{**SO1, "customer": "BOLT", "route": "SOUTH", "item": "FG-1", "quantity": 200}]
        page += [
            {"ref": f"PO-{n:03d}", "kind": "outbound", "item": "FG-1", "quantity": 1}
            for n in range(new)
        ]
    else:  # ... a unit put on hold
        page = [{"code": "U-03", "item": "FG-1", "quantity": 40, "quality": "hold"}]
        page += [
            {"code": f"N-{n:03d}", "item": "FG-1", "quantity": 1, "location": "S-01"}
            for n in range(new)
        ]
    erp.pages[kind] = [page]
    sites = []
    for _ in ("cut", "whole"):
        store = backend.store("site", lambda store: build_site(store, fixed_now))
        site = pulling_site(store, clock, erp)
        assert site.moves.move("U-01", "L-ACME-N", "1001").outcome.value == "moved"
        sites.append(site)
    cut, whole = sites

    real_write = pulling.write_plan
    writes = []

    def gone_after_two(*args: object, **kwargs: object) -> object:
        writes.append(1)
        if len(writes) == 3:
            raise StoreError("the database is gone")
        return real_write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pulling, "write_plan", gone_after_two)
    with pytest.raises(StoreError):
        cut.pull.once()
    monkeypatch.setattr(pulling, "write_plan", real_write)
    half = pulled(cut.station.store)
    assert len(half["new"]) == 2 * SLICE_RECORDS - 1 and half["cursors"] == []
    assert len(half["changes"] if kind == "orders" else half["upstream"]) > 0

    assert cut.pull.once().problems == [] and whole.pull.once().problems == []
    assert pulled(cut.station.store) == pulled(whole.station.store)
    done = pulled(whole.station.store)
    assert len(done["new"]) == new and done["cursors"] == [(kind, "1")]
    if kind == "orders":
        assert [(c[0], c[1]) for c in done["changes"]] == [("SO-1", "customer"), ("SO-1", "route")]
        assert [(t[1], t[2]) for t in done["tasks"]] == [("restage", "U-01")]
    else:
        assert [e[:2] for e in done["upstream"]] == [("hold", "U-03")]


def pulled(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """What a pull writes, as rows (without the event ids, random each time)."""
    queries = {
        "orders": "SELECT * FROM orders ORDER BY ref",
        "lines": "SELECT * FROM order_lines ORDER BY id",
        "changes": "SELECT order_ref, field, old, new, arrived_at FROM order_changes ORDER BY id",
        "tasks": "SELECT id, kind, unit, order_ref, at, since, ended_at FROM tasks ORDER BY id",
        "units": "SELECT * FROM units ORDER BY code",
        "upstream": "SELECT type, unit, from_quality, to_quality, reason FROM events "
        "WHERE operator = 'upstream' ORDER BY seq",
        "new": "SELECT unit, type, to_location FROM events "
        "WHERE unit LIKE 'N-%' OR unit LIKE 'PO-%' ORDER BY seq",
        "cursors": "SELECT kind, cursor FROM feed_cursors ORDER BY kind",
    }
    with store.read() as session:
        rows = {
            name: [tuple(r) for r in session.execute(text(sql))] for name, sql in queries.items()
        }
    if not rows["new"]:  # orders are not units: their new ones are the PO- orders
        rows["new"] = [r for r in rows["orders"] if str(r[0]).startswith("PO-")]
    return rows


LOCATIONS_FILE = (
    "code,kind,name,customer,route,carrier,capacity,work_order\nS-77,storage,New,,,,,\n"
)


def inbox_site(store: Store, clock, inbox: Path) -> Site:  # type: ignore[no-untyped-def]
    return Site(store, terminal="T-1", settings=Settings(inbox=inbox), clock=clock)


def test_done_and_failed_take_the_inbox_s_own_mode(
    site_store: Store, clock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Services and terminals share the inbox through its group (docs/deployment.md): the
    folders a pull makes in it are as shared as the inbox, whatever the pull's umask."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.chmod(inbox, 0o2770)
    (inbox / "locations-a.csv").write_text(LOCATIONS_FILE)
    (inbox / "units-bad.csv").write_text("code,item\nZ-1,\n")
    old = os.umask(0o022)
    try:
        inbox_site(site_store, clock, inbox).pull.once()
    finally:
        os.umask(old)
    assert stat.S_IMODE((inbox / "done").stat().st_mode) == 0o2770
    assert stat.S_IMODE((inbox / "failed").stat().st_mode) == 0o2770


def test_a_file_taken_but_not_moved_is_reported_and_taken_again_harmlessly(
    site_store: Store, clock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """done/ cannot be made (a file is in its way, as a permission would stop a service):
    the pull says so and goes on; the file stays and the next pull writes the same again."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "done").write_text("not a folder")
    (inbox / "locations-a.csv").write_text(LOCATIONS_FILE)
    site = inbox_site(site_store, clock, inbox)
    lines: list[tuple[str, str]] = []

    first = site.pull.once(lambda text, level="info": lines.append((level, text)))

    assert first.kinds["locations"]["created"] == 1
    assert [p for p in first.problems if "taken, but not moved to done/" in p], first.problems
    assert ("error", first.problems[0]) in lines
    assert (inbox / "locations-a.csv").exists()
    before = site.views.location("S-77")
    again = site.pull.once()
    assert again.kinds["locations"]["created"] == 0  # the same row again
    assert site.views.location("S-77") == before is not None
