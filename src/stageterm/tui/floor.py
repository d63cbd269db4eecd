"""The floor terminal's machinery, under the screens: opening the database (in a worker, so
the sign-in screen paints at once), the scan desk and sync threads, live refresh from the
event counter, the sync word, idle sign-out, the clock, the terminal driver and filters,
and the one place where worker errors become visible.

`StagetermApp` (app.py) builds the screens and keys on top of this.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import constants, events
from textual.app import App
from textual.driver import Driver
from textual.filter import LineFilter
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from stageterm.config import Settings
from stageterm.scanning import ScannerSettings
from stageterm.tui import desk as requests
from stageterm.tui.ascii import AsciiFilter
from stageterm.tui.desk import ScanDesk
from stageterm.tui.messages import Opened, SessionView, SiteChanged, SyncChecked
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.sync import sync_line
from stageterm.tui.synclink import SyncLink
from stageterm.tui.widgets.bars import TitleBar

if TYPE_CHECKING:
    from stageterm.services import Services

OPENING = "open database"
CHANGE_POLL_S = 2.0
FULL_COLLECTION_EVERY = 100  # second-generation passes per full one (Python's default: 10)
SYNC_POLL_S = 5.0


class FloorApp(App[int]):
    def __init__(
        self,
        services: Services | Callable[[], Services],
        settings: Settings | None = None,
        sync: SyncLink | Callable[[], SyncLink | None] | None = None,
    ) -> None:
        """`services` (and `sync`) may be functions that open them: the app then paints the
        sign-in screen first and opens the database in a worker thread."""
        self.settings = settings or Settings()
        super().__init__()
        self._services: Services | None = None
        self._opener = services if callable(services) else None
        self._sync_opener = sync if callable(sync) else None
        self.sync: SyncLink | None = None if callable(sync) else sync
        self.open_error: BaseException | None = None  # run_app raises it once the app ends
        self.desk = ScanDesk(self.post_message)
        self.session = SessionView()
        self.bells = 0
        self.sync_line = "sync off" if sync is None else "sync ..."
        self.last_input = monotonic()
        self._counter: int | None = None
        self._stop = threading.Event()
        self._ascii_filter = AsciiFilter() if self.settings.ascii else None
        if not callable(services):
            self._attach_services(services)

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the database is not open yet")
        return self._services

    @property
    def is_open(self) -> bool:
        return self._services is not None

    @property
    def terminal_id(self) -> str:
        return self.services.terminal if self.is_open else self.settings.terminal_id()

    def now(self) -> datetime:
        return self.services.now() if self.is_open else datetime.now().astimezone()

    def _attach_services(self, services: Services) -> None:
        from stageterm.workflow import Workflow  # with the services: SQLAlchemy, biip

        self._services = services
        scanner = ScannerSettings(
            gs_substitutes=self.settings.gs_substitutes,
            prefix=self.settings.scan_prefix,
            suffix=self.settings.scan_suffix,
        )
        self.workflow = Workflow(services, scanner)

    # -- the terminal ------------------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        if constants.DRIVER is None and sys.platform != "win32":
            from stageterm.tui.driver import ForgivingLinuxDriver

            return ForgivingLinuxDriver
        return super().get_driver_class()

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, self._ascii_filter] if self._ascii_filter else filters

    def bell(self) -> None:
        self.bells += 1
        super().bell()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.last_input = monotonic()
        await super().on_event(event)

    # -- start and stop --------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start work: at once when the database is open, else after opening it."""
        if self.is_open:
            self._start_work()
        else:
            self.run_worker(self._open, thread=True, name=OPENING, exit_on_error=False)

    def _open(self) -> None:
        assert self._opener is not None
        services = self._opener()
        import stageterm.workflow  # noqa: F401 - here, off the UI thread: it loads biip (~60 ms)

        sync = self._sync_opener() if self._sync_opener is not None else self.sync
        self.post_message(Opened(services, sync))

    def on_opened(self, message: Opened) -> None:
        self._attach_services(message.services)
        self.sync = message.sync if isinstance(message.sync, SyncLink) else None
        if self.sync is None:
            self.sync_line = "sync off"
        self.opened()
        self._start_work()

    def opened(self) -> None:
        """The database has just been opened (for the screens to say so)."""

    def _start_work(self) -> None:
        # What exists now (Textual, SQLAlchemy, the screens) lives as long as the app: keep it
        # out of the collector's full passes, which otherwise stall a board refresh now and then.
        gc.freeze()
        # And full passes rarer: a board refresh leaves a new set of rows for the collector
        # to track; with the stock threshold a 10-40 ms full pass landed every 1-2 s of
        # refreshes (measured in benchmarks/tui_lanes_board.py).
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
        self._thread("scan desk", self.desk.run, self.workflow, self._stop)
        self.set_interval(CHANGE_POLL_S, self._poll_changes)
        self._poll_changes()
        idle_s = self.settings.idle_minutes * 60
        if idle_s > 0:
            self.set_interval(max(0.2, min(5.0, idle_s / 4)), self._check_idle)
        self.set_interval(30, self.update_bars)
        if self.sync is not None:
            self._thread("sync", self.sync.worker.run, self._stop)
            self.set_interval(SYNC_POLL_S, self._poll_sync)
            self._poll_sync()
        self.update_bars()

    def _thread(self, name: str, target: Callable[..., object], *args: object) -> None:
        # Daemon threads: a loop that outlives a crashed UI must not hold the process open.
        threading.Thread(target=target, args=args, name=name, daemon=True).start()

    def exit(self, result: int | None = None, return_code: int = 0, message: Any = None) -> None:
        self._stop.set()
        super().exit(result, return_code, message)

    # -- live refresh, sync word, idle sign-out, title bars ----------------------------------------------

    def _poll_changes(self) -> None:
        self.run_worker(
            self._count_changes,
            thread=True,
            exclusive=True,
            group="changes",
            name="change counter",
            exit_on_error=False,
        )

    def _count_changes(self) -> None:
        self.post_message(SiteChanged(self.services.change_counter()))

    def on_site_changed(self, message: SiteChanged) -> None:
        if message.counter == self._counter:
            return
        self._counter = message.counter
        if isinstance(self.screen, FloorScreen):
            self.screen.changed_elsewhere()

    def _poll_sync(self) -> None:
        self.run_worker(
            self._check_sync,
            thread=True,
            exclusive=True,
            group="sync-status",
            name="sync status",
            exit_on_error=False,
        )

    def _check_sync(self) -> None:
        if self.sync is not None:
            self.post_message(SyncChecked(sync_line(self.sync.worker.status())))

    def on_sync_checked(self, message: SyncChecked) -> None:
        self.sync_checked(message.line)

    def sync_checked(self, line: str) -> None:
        if line != self.sync_line:
            self.sync_line = line
            self.update_bars()

    def _check_idle(self) -> None:
        idle_s = self.settings.idle_minutes * 60
        if self.session.operator is not None and monotonic() - self.last_input >= idle_s:
            self.last_input = monotonic()
            idle = f"{self.settings.idle_minutes:g} min" if idle_s >= 60 else f"{idle_s:.0f} s"
            self.desk.put(requests.SignOut(f"Signed out after {idle} without a key."))

    def update_bars(self, screen: Screen[Any] | None = None) -> None:
        target = screen or self.screen
        operator = self.session.operator
        who = f"{operator.name} ({operator.role.value})" if operator else ""
        status = f"{self.sync_line}  {self.now():%H:%M}"
        for bar in target.query(TitleBar):
            bar.set(who=who, status=status)

    # -- the one place worker errors become visible -------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_changed(event)

    def worker_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's state change ends here (screens forward theirs): failures are shown."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.log.error(f"worker {event.worker.name!r} failed: {error!r}")
        if event.worker.name == OPENING:
            self.open_error = error  # run_app reports it as the command line reports any other
            self.exit(return_code=2)
            return
        text = f"{event.worker.name or 'background work'} failed: {error}"
        if isinstance(self.screen, FloorScreen):
            self.screen.flash(text[:200])
