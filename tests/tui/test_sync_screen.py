"""The sync status screen and the title bar's sync word, with a sync worker stand-in."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tui_kit import post_keys, shows, until

from stageterm.sync import RejectedEvent, SyncStatus
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.screens.sync import SyncScreen
from stageterm.tui.synclink import SyncLink, without_credentials


class FakeWorker:
    def __init__(self, status: SyncStatus) -> None:
        self.current = status
        self.wakes = 0
        self.ran = threading.Event()

    def status(self, list_rejected: int = 0) -> SyncStatus:
        return self.current

    def wake(self) -> None:
        self.wakes += 1

    def run(self, stop: threading.Event, on_report=None) -> None:
        self.ran.set()
        stop.wait()


def link(worker: FakeWorker) -> SyncLink:
    return SyncLink(worker, "https://user:secret@erp.example:8443/epcis?key=abc", lambda: None)


def rejected_in_the_store(services) -> int:  # type: ignore[no-untyped-def]
    """One event of the demo site parked as rejected, as upstream's 422 leaves it."""
    from stageterm.sync.outbox import mark_rejected

    seq = services.views.audit()[-1].seq
    assert mark_rejected(services.store, {seq: "unknown location [L-03]"}) == 1
    return seq


def failing_status(fixed_now) -> SyncStatus:
    wall = datetime.now(UTC)  # the sync stamps its attempts with the computer's clock
    return SyncStatus(
        pending=12,
        rejected=1,
        oldest_pending_at=fixed_now - timedelta(minutes=20),
        last_success_at=wall - timedelta(hours=1, minutes=2),
        last_error="503 Service Unavailable",
        last_error_at=wall - timedelta(minutes=1, seconds=5),
        rejected_events=[RejectedEvent("e1", 42, "U00002", "stage", "unknown location [L-03]")],
    )


async def test_sync_status_and_retry_by_a_lead(services, fixed_now) -> None:
    worker = FakeWorker(failing_status(fixed_now))
    seq = rejected_in_the_store(services)
    app = StagetermApp(site=services, sync=link(worker))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, worker.ran.is_set, what="the sync thread")
        await shows(pilot, "SYNC DOWN 12 + 1 REJECTED")
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, SyncScreen))
        text = await shows(
            pilot, "Pending: 12", "X FAILING", "503 Service Unavailable", "Rejected: 1"
        )
        assert "unknown location [L-03]" in text and "#42" in text
        assert "secret" not in text and "key=abc" not in text and "erp.example:8443/epcis" in text
        await pilot.press("ctrl+e")
        await shows(pilot, "is for a lead; badge 1001 is not one")
        assert services.upstream.status().rejected == 1  # the rule held: nothing retried
        await pilot.press("ctrl+r")
        await shows(pilot, "Sending now")
        assert worker.wakes >= 1
        # A lead signs in and retries.
        await pilot.press("ctrl+d")
        post_keys(app, "2001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, SyncScreen))
        worker.current = replace(worker.current, rejected=0, rejected_events=[])
        await pilot.press("ctrl+e")
        await shows(pilot, "1 rejected events back in the queue", "Rejected: 0")
        assert services.upstream.status().rejected == 0
        assert [e.sync_state.value for e in services.views.audit() if e.seq == seq] == ["pending"]


async def test_a_move_wakes_the_sync(services, fixed_now) -> None:
    worker = FakeWorker(SyncStatus())
    app = StagetermApp(site=services, sync=link(worker))
    async with app.run_test(size=(40, 16)) as pilot:
        await shows(pilot, "sync ok")
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen))
        post_keys(app, "L-04\rU00003\r")
        await shows(pilot, "Unit U00003 to L-04")
        assert worker.wakes == 1


def test_upstream_is_shown_without_credentials() -> None:
    assert without_credentials("https://u:p@host:1/x?token=1#f") == "https://host:1/x"
    assert without_credentials("http://[::1") == "(unreadable URL)"
