"""Master data in and re-coordination (SPEC §6a), with real parts: a loopback ERP feed, a
real inbox folder, the site on SQLite and PostgreSQL, and the installed `stageterm`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from integration.erp import Erp
from stageterm.commands.report import as_text
from stageterm.config.model import Settings
from stageterm.services.site import Site
from stageterm.store.engine import Store

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
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "locations-new.csv").write_text(
        "code,kind,name,customer,route,carrier,capacity,work_order\nL-NEW,lane,New,,,,4,\n"
    )
    (inbox / "units-bad.csv").write_text(
        "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order\n"
        "Z-1,FG,09501101530004,,,,1,,,,,\n"
    )
    env = {
        "STAGETERM_MASTER_URL": erp.url,
        "STAGETERM_MASTER_TOKEN": erp.token,
        "STAGETERM_INBOX": str(inbox),
    }
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
