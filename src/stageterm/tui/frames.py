"""One frame a scan: the screen holds its frames while a scan is at the scan desk.

A wedge scanner's burst ends with Enter; the scan desk answers 2-5 ms later. Painting the
emptied scan field in between is a frame nobody can see, and it costs the UI thread
2-4 ms that it then holds the interpreter lock for while the desk thread works on the
scan: both got slower. Held, the field's blank and the answer go out in one frame.

That frame is painted as soon as the answer is on the widgets: the screen's idle handler
asks `paint_if_due`. Left to Textual's update timer it waited 1-3 ms more, for the
timer's next tick in its own phase (the held tick had just passed).

A scan the desk takes longer over (waiting for another terminal's write, say) costs at
most `LONGEST_S` of stillness before frames go out again.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from typing import Any

from textual.app import App
from textual.screen import Screen

LONGEST_S = 0.033  # SPEC §10's scan-to-screen budget: never still for longer than that


class FrameHold:
    def __init__(self, app: App[Any], longest: float = LONGEST_S) -> None:
        self.app = app
        self.longest = longest
        self._batch: AbstractContextManager[None] | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._due = False  # released: the next idle screen paints at once

    @property
    def holding(self) -> bool:
        return self._batch is not None

    def hold(self) -> None:
        """Hold frames until `release`, or `longest` seconds (UI thread)."""
        if self._batch is not None:
            return
        self._batch = self.app.batch_update()
        self._batch.__enter__()
        self._deadline = asyncio.get_running_loop().call_later(self.longest, self.release)

    def release(self) -> None:
        """Let frames go out again; the screen paints what changed at once."""
        batch, self._batch = self._batch, None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if batch is not None:
            self._due = True
            batch.__exit__(None, None, None)
            # Ending a batch wakes the app, not the screen: a screen whose widgets changed
            # while held (the emptied field, at least) would wait for some other message.
            if self.app.screen_stack:
                self.app.screen.check_idle()

    def paint_if_due(self, screen: Screen[object]) -> None:
        """From the screen's idle handler (before Textual's): once released, paint what the
        answer changed now instead of at the update timer's next tick."""
        if self._due and self._batch is None and screen.is_current and screen._dirty_widgets:
            self._due = False
            screen._on_timer_update()  # Textual's frame: lays out if needed, paints the dirty
