"""A wedge's burst read at once while no field has focus is scanned whole, whenever the
focus comes back. Textual gives focus in a later turn of its loop: on a loaded CI machine
a screen's own `focus()` was still pending when a burst arrived, its characters reached
the field by way of the screen, and its Enter was lost (the scan stayed in the field).
Here that pending focus is made to come 0.2 s late."""

from __future__ import annotations

import pytest
from test_one_frame import read_at_once
from textual.widget import Widget
from tui_kit import shows, signed_in

give_focus = Widget.focus


def late(self: Widget, scroll_visible: bool = True) -> Widget:
    self.app.set_timer(0.2, lambda: give_focus(self, scroll_visible))
    return self


async def test_a_burst_while_focus_is_still_on_its_way_is_scanned_whole(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.pause(0.3)  # the sign-in's own focus given
        monkeypatch.setattr(Widget, "focus", late)
        app.screen.focus_scan()  # on its way (as after a screen switch)
        app.set_focus(None)
        await pilot.pause(0.02)
        assert app.focused is None
        read_at_once(app, "L-04\r")
        await shows(pilot, "Target L-04")
