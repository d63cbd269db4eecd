"""The floor terminal app: screens, global keys, the scan desk, idle sign-out, live refresh.

Built by `stageterm.cli.run_app` with the services (and, when upstream is set, a sync
link). Scans from every screen go to the scan desk thread in order; its answers come back
as messages and decide which screen shows them.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from time import monotonic
from typing import Any, ClassVar

from textual import constants, events
from textual.app import App
from textual.binding import BindingType
from textual.driver import Driver
from textual.filter import LineFilter
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from stageterm.config import Settings
from stageterm.scanning import ScannerSettings
from stageterm.services import Services
from stageterm.tui import desk as requests
from stageterm.tui.ascii import AsciiFilter
from stageterm.tui.desk import ScanDesk
from stageterm.tui.keys import GLOBAL_KEYS
from stageterm.tui.messages import (
    Acknowledged,
    Answered,
    PinAsked,
    SessionView,
    SiteChanged,
    SyncChecked,
    UnitAsked,
)
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.help import HelpScreen
from stageterm.tui.screens.kitting import KittingScreen
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.prompts import PromptScreen, pin_prompt, quantity_prompt
from stageterm.tui.screens.signin import SignInScreen
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.screens.sync import SyncScreen, sync_line
from stageterm.tui.screens.unit import UnitScreen
from stageterm.tui.synclink import SyncLink
from stageterm.tui.widgets.bars import TitleBar
from stageterm.tui.widgets.scanfield import ScanField
from stageterm.workflow import Workflow

CHANGE_POLL_S = 2.0
SYNC_POLL_S = 5.0
SIGNED_OUT_OK = ("help", "quit")  # what works before anyone signs in


class StagetermApp(App[int]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "stageterm"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in GLOBAL_KEYS]

    def __init__(
        self, services: Services, settings: Settings | None = None, sync: SyncLink | None = None
    ) -> None:
        self.settings = settings or Settings()
        super().__init__()
        self.services = services
        self.sync = sync
        scanner = ScannerSettings(
            gs_substitutes=self.settings.gs_substitutes,
            prefix=self.settings.scan_prefix,
            suffix=self.settings.scan_suffix,
        )
        self.workflow = Workflow(services, scanner)
        self.desk = ScanDesk(self.workflow, self.post_message)
        self.session = SessionView()
        self.blocking: int | None = None  # seq of the refusal waiting for Enter
        self.stage: StageScreen | None = None
        self.bells = 0
        self.lanes_by = "customer"  # the lanes board's grouping, kept between visits
        self.sync_line = "sync off" if sync is None else "sync ..."
        self.last_input = monotonic()
        self._counter: int | None = None
        self._stop = threading.Event()
        self._ascii_filter = AsciiFilter() if self.settings.ascii else None

    # -- the terminal ----------------------------------------------------------------------------

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

    # -- start and stop ----------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.set_class(self.settings.ascii, "-ascii")
        await self.push_screen(SignInScreen())
        self._thread("scan desk", self.desk.run, self._stop)
        self.set_interval(CHANGE_POLL_S, self._poll_changes)
        self._poll_changes()
        idle_s = self.settings.idle_minutes * 60
        if idle_s > 0:
            self.set_interval(max(0.2, min(5.0, idle_s / 4)), self._check_idle)
        self.set_interval(30, self._tick)
        if self.sync is not None:
            self._thread("sync", self.sync.worker.run, self._stop)
            self.set_interval(SYNC_POLL_S, self._poll_sync)
            self._poll_sync()

    def _thread(self, name: str, target: object, *args: object) -> None:
        # Daemon threads: a loop that outlives a crashed UI must not hold the process open.
        threading.Thread(target=target, args=args, name=name, daemon=True).start()  # type: ignore[arg-type]

    def exit(self, result: int | None = None, return_code: int = 0, message: object = None) -> None:
        self._stop.set()
        super().exit(result, return_code, message)  # type: ignore[arg-type]

    # -- scans in ------------------------------------------------------------------------------------

    def on_scan_field_scanned(self, message: ScanField.Scanned) -> None:
        opens = (
            isinstance(self.screen, FloorScreen)
            and self.screen.OPENS_UNITS
            and self.blocking is None
        )
        self.desk.put(requests.Scan(message.raw, opens_units=opens))

    def on_scan_field_confirmed(self, message: ScanField.Confirmed) -> None:
        screen = self.screen
        if self.blocking is not None and isinstance(screen, StageScreen):
            self.desk.put(requests.Acknowledge(self.blocking))
        elif isinstance(screen, FloorScreen):
            screen.confirm()

    # -- answers out ---------------------------------------------------------------------------------

    async def on_answered(self, message: Answered) -> None:
        entry, result = message.entry, message.entry.result
        self.session, self.blocking = message.session, message.blocking
        if result.code == "signed-out":
            await self._reset_to(SignInScreen(note=result.message))
            self.stage = None
            return
        if message.session.operator is None:
            if result.code == "help":
                await self.show(HelpScreen())
            elif isinstance(self.screen, SignInScreen):
                self.screen.record(entry)
            return
        if result.code == "signed-in" or self.stage is None:
            self.stage = StageScreen()
            await self._reset_to(self.stage)
        self.stage.record(entry, message.session, message.blocking)
        if not entry.taken or entry.stops or result.outcome.value == "needs_approval":
            self.bell()
        if result.code == "lanes":
            await self.show(LanesScreen())
        elif result.code == "help":
            await self.show(HelpScreen())
        elif self.screen is not self.stage:
            await self.show_stage()
        if result.event_id and self.sync is not None:
            self.sync.worker.wake()
        self.update_bars()

    def on_acknowledged(self, message: Acknowledged) -> None:
        self.session, self.blocking = message.session, None
        if self.stage is not None:
            self.stage.acknowledged(message.session)

    def on_pin_asked(self, message: PinAsked) -> None:
        def answered(pin: str | None) -> None:
            if pin:
                self.desk.put(requests.Pin(message.badge, pin))
            elif isinstance(self.screen, SignInScreen):
                self.screen.set_note("No PIN given. Scan your badge.")

        self.push_screen(pin_prompt(message.name, message.approving), answered)

    async def on_unit_asked(self, message: UnitAsked) -> None:
        if isinstance(self.screen, UnitScreen):
            self.screen.open(message.code, message.note)
        else:
            await self.push_screen(UnitScreen(message.code, message.note))

    # -- screens -----------------------------------------------------------------------------------

    async def _reset_to(self, screen: Screen[None]) -> None:
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(screen)

    async def show(self, screen: Screen[None]) -> None:
        """Open a screen from the keys: over the home screen, replacing whatever was open."""
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.push_screen(screen)

    async def show_stage(self) -> None:
        while len(self.screen_stack) > 2:
            await self.pop_screen()

    def go_back(self) -> None:
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.screen, PromptScreen):
            return action == "quit"
        if self.session.operator is None:
            return action in SIGNED_OUT_OK or action not in {k.action for k in GLOBAL_KEYS}
        return True

    async def action_help(self) -> None:
        await self.show(HelpScreen())

    async def action_stage(self) -> None:
        await self.show_stage()

    async def action_lanes(self) -> None:
        if isinstance(self.screen, LanesScreen):
            self.screen.action_toggle_group()
        else:
            await self.show(LanesScreen())

    async def action_unit(self) -> None:
        await self.show(UnitScreen())

    async def action_kitting(self) -> None:
        await self.show(KittingScreen())

    async def action_sync(self) -> None:
        await self.show(SyncScreen())

    def action_quantity(self) -> None:
        def answered(value: str | None) -> None:
            if value is None:
                return
            text = value.strip()
            if text and not (text.isdigit() and int(text) > 0):
                if isinstance(self.screen, FloorScreen):
                    self.screen.flash(f"Not a quantity: {text[:20]!r}. Whole numbers only.")
                return
            self.desk.put(requests.Quantity(int(text) if text else None))

        self.push_screen(quantity_prompt(), answered)

    def action_cancel(self) -> None:
        self.desk.put(requests.Cancel())

    def action_sign_out(self) -> None:
        self.desk.put(requests.SignOut("Signed out."))

    async def action_quit(self) -> None:
        self.workflow.sign_out()
        self.exit(0)

    # -- background: changes elsewhere, sync, idle, clock ---------------------------------------------

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

    def _tick(self) -> None:
        self.update_bars()

    def now(self) -> datetime:
        return self.services.now()

    def update_bars(self, screen: Screen[Any] | None = None) -> None:
        target = screen or self.screen
        operator = self.session.operator
        who = f"{operator.name} ({operator.role.value})" if operator else ""
        status = f"{self.sync_line}  {self.now():%H:%M}"
        for bar in target.query(TitleBar):
            bar.set(who=who, status=status)

    # -- the one place worker errors become visible ------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_changed(event)

    def worker_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's state change ends here (screens forward theirs): failures are shown."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.log.error(f"worker {event.worker.name!r} failed: {error!r}")
        text = f"{event.worker.name or 'background work'} failed: {error}"
        if isinstance(self.screen, FloorScreen):
            self.screen.flash(text[:200])
