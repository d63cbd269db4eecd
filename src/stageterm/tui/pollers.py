"""What the app watches while it runs, each on a timer, off the UI thread: the site's
change counter (boards reload when another terminal changed something), the sync state
for the title bar, and the idle clock that signs an operator out."""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import TYPE_CHECKING

from stageterm.tui.messages import SiteChanged, SyncChecked

if TYPE_CHECKING:
    from textual.app import App
    from textual.message import Message

    from stageterm.services.site import Site
    from stageterm.tui.synclink import SyncLink

CHANGE_POLL_S = 2.0
SYNC_POLL_S = 5.0


class Pollers:
    def __init__(self, app: App[int], site: Site, sync: SyncLink | None) -> None:
        self.app = app
        self.site = site
        self.sync = sync
        self.last_input = monotonic()

    def start(self, idle_minutes: float, sign_out: Callable[[str], None]) -> None:
        self.app.set_interval(CHANGE_POLL_S, self.poll_changes)
        self.poll_changes()
        idle_s = idle_minutes * 60
        if idle_s > 0:
            self.app.set_interval(
                max(0.2, min(5.0, idle_s / 4)), lambda: self._check_idle(idle_minutes, sign_out)
            )
        if self.sync is not None:
            self.app.set_interval(SYNC_POLL_S, self.poll_sync)
            self.poll_sync()

    def key_pressed(self) -> None:
        self.last_input = monotonic()

    def poll_changes(self) -> None:
        self._in_thread(self._count_changes, "changes", "change counter")

    def poll_sync(self) -> None:
        self._in_thread(self._check_sync, "sync-status", "sync status")

    def _in_thread(self, work: Callable[[], None], group: str, name: str) -> None:
        self.app.run_worker(
            work, thread=True, exclusive=True, group=group, name=name, exit_on_error=False
        )

    def _post(self, message: Message) -> None:
        self.app.post_message(message)

    def _count_changes(self) -> None:
        self._post(SiteChanged(self.site.views.change_counter()))

    def _check_sync(self) -> None:
        from stageterm.tui.screens.sync import sync_line

        if self.sync is not None:
            self._post(SyncChecked(sync_line(self.sync.worker.status())))

    def _check_idle(self, idle_minutes: float, sign_out: Callable[[str], None]) -> None:
        idle_s = idle_minutes * 60
        if monotonic() - self.last_input >= idle_s:
            self.last_input = monotonic()
            idle = f"{idle_minutes:g} min" if idle_s >= 60 else f"{idle_s:.0f} s"
            sign_out(f"Signed out after {idle} without a key.")
