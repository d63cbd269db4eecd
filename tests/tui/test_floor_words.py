"""Issue 12.7, the words and refreshes of the floor screens: the sync word when only
rejected events remain, the sync screen following a send, the approval panel naming the
key the key bar shows, the target card saying FULL / OVER."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_sync_screen import FakeWorker, failing_status, link
from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.commands.sync import _summary
from stageterm.sync import SyncStatus
from stageterm.sync.worker import DrainReport
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.help import help_rows
from stageterm.tui.screens.sync import SyncScreen


async def test_only_rejected_events_is_not_sync_down(services, fixed_now) -> None:
    only_rejected = replace(failing_status(fixed_now), pending=0)  # after a 422: nothing to send
    app = StagetermApp(site=services, sync=link(FakeWorker(only_rejected)))
    async with app.run_test(size=(80, 24)) as pilot:
        text = await shows(pilot, "sync 1 REJECTED")
        assert "DOWN" not in text


async def test_sync_screen_follows_a_send(services, fixed_now) -> None:
    worker = FakeWorker(failing_status(fixed_now))
    app = StagetermApp(site=services, sync=link(worker))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, worker.ran.is_set, what="the sync thread")
        await signed_in(pilot)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, SyncScreen))
        await shows(pilot, "Pending: 12", "X FAILING")
        worker.current = SyncStatus(last_success_at=worker.current.last_error_at)  # all sent
        text = await shows(pilot, "Pending: 0", timeout=8)  # the sync poll, not a Ctrl-R
        assert "FAILING" not in text and "sync ok" in text


async def test_approval_panel_names_the_vt220_cancel_key(make_app, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "vt220")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-01\rU00006\r")
        text = await shows(pilot, "(^X:")  # the panel wraps at 40 columns
        assert "F8" not in text and "^X Cancel" in text.splitlines()[-1]


async def test_approval_panel_names_f8_on_other_terminals(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-01\rU00006\r")
        await shows(pilot, "(F8: cancel)")


async def test_target_card_says_full(make_app, size) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        post_keys(app, "B-PAINT\r")
        await shows(pilot, "4/4 units here FULL")
        assert "OVER" not in screen_text(app)


def test_sent_one_event_is_singular() -> None:
    state = SyncStatus()
    assert _summary(DrainReport(sent=1), state) == "sent 1 event; 0 pending"
    assert _summary(DrainReport(sent=2), state) == "sent 2 events; 0 pending"


@pytest.mark.parametrize(("term", "first"), [("vt220", "^T/F2"), ("xterm-256color", "F2/^T")])
def test_help_names_keys_as_the_key_bar_does(monkeypatch, term: str, first: str) -> None:
    """VT220: the key bar says ^T, so help says ^T first too; elsewhere F2 first."""
    monkeypatch.setenv("TERM", term)
    text = "\n".join(row.text().plain for row in help_rows(40))
    assert first in text
    assert "F9" in text and "Sign out" in text  # sign-out is listed
    assert "Keys and" in text and "Put the unit on" in text  # help texts start with a capital


async def test_approval_lists_every_rule_it_overrides(make_app, size) -> None:
    """U00112 into L-01 at the demo: a wrong lane and a FEFO skip, both named."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-01\rU00112\r")
        await shows(pilot, "Overrides: wrong-lane, fefo-skip")
