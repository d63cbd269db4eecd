"""The floor terminal app: screens, global keys, the scan desk, idle sign-out, live refresh.

Built by `stageterm.cli.run_app` with the `Site` (or a function that opens it, so that
the sign-in screen paints before the database is open) and, when upstream is set, a sync
link. Scans from every screen go to the scan desk thread in order; its `FloorSession`
decides what they mean; the answers come back as messages and decide which screen shows
them. Screens get the site through their constructors and never reach up into the app.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import constants, events
from textual.app import App
from textual.binding import BindingType
from textual.driver import Driver
from textual.filter import LineFilter
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from stageterm.config import default_settings
from stageterm.config.paths import first_paint_hints
from stageterm.services.replies import SessionView
from stageterm.tui import desk as requests
from stageterm.tui.alert_watch import AlertsSeen, AlertWatch
from stageterm.tui.ascii import AsciiFilter
from stageterm.tui.desk import ScanDesk
from stageterm.tui.frames import FrameHold
from stageterm.tui.keys import GLOBAL_KEYS, UNIT_COMMAND
from stageterm.tui.look import AGING
from stageterm.tui.messages import (
    Acknowledged,
    Answered,
    FromThread,
    Opened,
    PinAsked,
    SiteChanged,
    SyncChecked,
    UnitAsked,
)
from stageterm.tui.pollers import Pollers
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.buffers import BuffersScreen
from stageterm.tui.screens.health import HealthScreen
from stageterm.tui.screens.help import HelpScreen
from stageterm.tui.screens.kitting import KittingScreen
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.prompts import PromptScreen, pin_prompt, quantity_prompt
from stageterm.tui.screens.signin import SignInScreen
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.screens.sync import SyncScreen
from stageterm.tui.screens.unit import UnitScreen
from stageterm.tui.synclink import SyncLink
from stageterm.tui.threads import floor_session, start_threads
from stageterm.tui.widgets.bars import TitleBar
from stageterm.tui.widgets.scanfield import BurstWatch, EndsOnKey, ScanField, Typed, mid_scan

if TYPE_CHECKING:
    from stageterm.config.model import Settings
    from stageterm.services.site import Site

OPENING = "open database"
SWITCH_INTERVAL_S = 0.0005
SIGNED_OUT_OK = ("help", "quit")  # what works before anyone signs in


class StagetermApp(App[int]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "stageterm"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in GLOBAL_KEYS]
    TAKES_TYPED = True  # the terminal driver may send a run of characters as one `Typed`
    settings: Settings  # set before the opening worker opens the database (see __init__)

    def __init__(
        self,
        site: Site | Callable[[], Site],
        settings: Settings | Callable[[], Settings] | None = None,
        sync: SyncLink | Callable[[], SyncLink | None] | None = None,
    ) -> None:
        """`site`, `sync` and `settings` may be functions that open or read them: the app
        then paints the sign-in screen first (plain ASCII and terminal id as the environment
        says, without pydantic's ~0.3 s) and does the rest in its opening worker."""
        self._settings_loader = settings if callable(settings) else None
        if not callable(settings):
            self.settings = settings or default_settings()
        loaded = not callable(settings)
        self._hints = (self.settings.ascii, self.settings.terminal_id()) if loaded else first_paint_hints()  # fmt: skip
        super().__init__()
        self._site: Site | None = None if callable(site) else site
        self._opener = site if callable(site) else None
        self._sync_opener = sync if callable(sync) else None
        self.sync: SyncLink | None = None if callable(sync) else sync
        self.open_error: BaseException | None = None  # run_app raises it once the app ends
        self.desk = ScanDesk(self.post_message)
        self.frames = FrameHold(self)  # held from a scan to its answer: one frame a scan
        self.session = SessionView()
        self.blocking: int | None = None  # seq of the refusal waiting for Enter
        self.stage: StageScreen | None = None  # the home screen of the signed-in operator
        self.lanes_by = "customer"  # the lanes board's grouping, kept between visits
        self.aging = self.settings.aging_thresholds() if loaded else AGING  # till read
        self.bells = 0
        self.sync_line = "sync off" if sync is None else "sync ..."
        self.alert_line = ""  # "2 ALERTS  " while a lead is signed in and some wait
        self.pollers: Pollers | None = None
        self.burst: BurstWatch | None = None  # made with the first key
        self._counter: int | None = None
        self._switch_interval = sys.getswitchinterval()  # the process's, for on_unmount
        self._stop = threading.Event()
        self._ascii_filter = AsciiFilter() if self._hints[0] else None

    @property
    def site(self) -> Site:
        if self._site is None:
            raise RuntimeError("the database is not open yet")
        return self._site

    def now(self) -> datetime:
        return self.site.now() if self._site is not None else datetime.now().astimezone()

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

    async def _on_message(self, message: Message) -> None:
        late = isinstance(message, (FromThread, Worker.StateChanged))  # from other threads
        if late and (self._stop.is_set() or not self.screen_stack):
            return  # the app closes (or closed) while it was on its way: nowhere to show it
        await super()._on_message(message)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):  # before any binding: is it inside a burst?
            self.burst = self.burst or BurstWatch()
            self.burst.arrived(event)
            if self.pollers is not None:
                self.pollers.key_pressed()
        await super().on_event(event)

    async def on_typed(self, message: Typed) -> None:
        """A run of plain characters from one read of the terminal: to the focused scan or
        prompt field as one message. No key of this app's is a plain character, so none of
        them could have been a key to obey; elsewhere they go key by key, as they came."""
        field = self.focused
        if not isinstance(field, EndsOnKey):
            # Nothing to type into has focus (a click elsewhere, or focus still on its way
            # after a screen switch): a floor screen's scan field takes the read whole. Key
            # by key, the characters would reach it by way of the screen and the Enter be
            # lost if the field's focus came between them (seen on a loaded machine).
            scan_fields = self.screen.query(ScanField)
            if not scan_fields:
                for key in message.keys:
                    await self.on_event(key)
                return
            field = scan_fields.first()
            field.focus()
        self.app_focus = True
        self.burst = self.burst or BurstWatch()
        for key in message.keys:
            self.burst.arrived(key)
        if self.pollers is not None:
            self.pollers.key_pressed()
        field.post_message(message)  # through the field's queue, in order with its keys

    # -- start and stop --------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        # The scan desk thread waits for the interpreter lock while the UI thread finishes
        # a scan's keys: Python hands it over only every 5 ms unless the holder blocks.
        # At 0.5 ms a scan reaches the desk about a millisecond sooner.
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # given back when the app ends
        self.set_class(self._hints[0], "-ascii")
        terminal = self.site.terminal if self._site is not None else self._hints[1]
        note = "" if self._site is not None else "Opening the database..."
        await self.push_screen(SignInScreen(terminal, note=note))
        if self._site is not None:
            self._start_work(floor_session(self.site, self.settings))
        else:
            self.run_worker(self._open, thread=True, name=OPENING, exit_on_error=False)

    def _open(self) -> None:
        assert self._opener is not None
        if self._settings_loader is not None:
            self.settings = self._settings_loader()
        site = self._opener()
        session = floor_session(site, self.settings)
        sync = self._sync_opener() if self._sync_opener is not None else self.sync
        self.post_message(Opened(site, session, sync))

    def on_opened(self, message: Opened) -> None:
        if self._settings_loader is not None:  # a stageterm.toml may say otherwise than the env
            self.aging = self.settings.aging_thresholds()
            self._ascii_filter = AsciiFilter() if self.settings.ascii else None
            self.set_class(self.settings.ascii, "-ascii")
            if isinstance(self.screen, SignInScreen):
                self.screen.set_terminal(self.settings.terminal_id())
        self._site = message.site
        self.sync = message.sync if isinstance(message.sync, SyncLink) else None
        self.sync_line = "sync off" if self.sync is None else self.sync_line
        if isinstance(self.screen, SignInScreen) and self.screen.note.startswith("Opening"):
            self.screen.set_note("")
        self._start_work(message.session)

    def _start_work(self, session: Any) -> None:
        start_threads(self, session, self._stop)
        self.pollers = Pollers(self, self.site, self.sync)
        self.pollers.start(self.settings.idle_minutes, self._idle_sign_out)
        self.set_interval(30, self.update_bars)
        AlertWatch(self, self.site, lambda: self.session.operator).start()
        self.update_bars()

    def exit(self, result: int | None = None, return_code: int = 0, message: Any = None) -> None:
        self._stop.set()  # the desk signs the session out as it stops
        super().exit(result, return_code, message)

    def on_unmount(self) -> None:
        self.frames.release()
        sys.setswitchinterval(self._switch_interval)
        self._stop.set()  # however the app ends: the threads (and a pull pass) end with it

    # -- what the pollers report ---------------------------------------------------------------------

    def on_site_changed(self, message: SiteChanged) -> None:
        if message.counter == self._counter:
            return
        self._counter = message.counter
        if isinstance(self.screen, FloorScreen):
            self.screen.changed_elsewhere()

    def on_sync_checked(self, message: SyncChecked) -> None:
        if message.line != self.sync_line:
            self.sync_line = message.line
            self.update_bars()
            if isinstance(self.screen, SyncScreen) and not message.from_screen:
                self.screen.load()  # sent (or failed) meanwhile: the screen follows

    def on_alerts_seen(self, message: AlertsSeen) -> None:
        if message.new and isinstance(self.screen, FloorScreen):
            self.screen.notice(message.new[:200])
        self.alert_line = message.line
        self.update_bars()

    def _idle_sign_out(self, reason: str) -> None:
        if self.session.operator is not None:
            self.desk.put(requests.SignOut(reason))

    def on_floor_screen_shown(self, message: FloorScreen.Shown) -> None:
        self.update_bars(message.screen)

    def on_lanes_screen_grouped(self, message: LanesScreen.Grouped) -> None:
        self.lanes_by = message.by

    def update_bars(self, screen: Screen[Any] | None = None) -> None:
        target = screen or self.screen
        operator = self.session.operator
        who = f"{operator.name} ({operator.role.value})" if operator else ""
        status = f"{self.alert_line}{self.sync_line}  {self.now():%H:%M}"
        for bar in target.query(TitleBar):
            bar.set(who=who, status=status)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (opening the database, the pollers): failures are shown."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.log.error(f"worker {event.worker.name!r} failed: {error!r}")
        if event.worker.name == OPENING:
            self.open_error = error  # run_app reports it as the command line reports any other
            self.exit(return_code=2)
            return
        if isinstance(self.screen, FloorScreen):
            self.screen.flash(f"{event.worker.name or 'background work'} failed: {error}"[:200])

    # -- scans in ------------------------------------------------------------------------------------

    def on_scan_field_scanned(self, message: ScanField.Scanned) -> None:
        screen = self.screen
        opens = isinstance(screen, FloorScreen) and screen.OPENS_UNITS and self.blocking is None
        self.frames.hold()
        self.desk.put(requests.Scan(message.raw, opens_units=opens))

    def on_scan_field_confirmed(self, message: ScanField.Confirmed) -> None:
        screen = self.screen
        if self.blocking is not None and isinstance(screen, StageScreen):
            self.desk.put(requests.Acknowledge(self.blocking))
        elif isinstance(screen, FloorScreen):
            screen.confirm()

    # -- answers out ---------------------------------------------------------------------------------
    async def on_answered(self, message: Answered) -> None:
        try:
            await self._answered(message)
        finally:
            self.frames.release()  # after the widgets have it: the answer's frame goes at once

    async def _answered(self, message: Answered) -> None:
        entry, result = message.entry, message.entry.result
        self.session, self.blocking = message.session, message.blocking
        if result.code == "signed-out":
            await self._reset_to(SignInScreen(self.site.terminal, note=result.message))
            self.stage = None
            return
        if message.session.operator is None:
            if result.code == "help":
                await self.show(HelpScreen())
            elif isinstance(self.screen, SignInScreen):
                self.screen.record(entry)
            return
        if result.code == "signed-in" or self.stage is None:
            self.stage = StageScreen(self.site)
            await self._reset_to(self.stage)
        self.stage.record(entry, message.session, message.blocking)
        if not entry.taken or entry.stops or result.outcome.value == "needs_approval":
            self.bell()
        if result.code == "lanes":
            await self.show(LanesScreen(self.site, self.lanes_by, self.aging))
        elif result.code == "help":
            await self.show(HelpScreen())
        elif self.screen_stack and self.screen_stack[-1] is not self.stage:
            await self.show_stage()
        if result.event_id and self.sync is not None:
            self.sync.worker.wake()
        if self.screen_stack:  # empty when the app closed while this answer was being shown
            self.update_bars()

    def on_acknowledged(self, message: Acknowledged) -> None:
        self.frames.release()
        self.session, self.blocking = message.session, None
        if self.stage is not None:
            self.stage.acknowledged(message.session)

    def on_pin_asked(self, message: PinAsked) -> None:
        self.frames.release()

        def answered(pin: str | None) -> None:
            if pin:
                self.desk.put(requests.Pin(message.badge, pin))
            elif isinstance(self.screen, SignInScreen):
                self.screen.set_note("No PIN given. Scan your badge.")

        self.push_screen(pin_prompt(message.name, message.approving), answered)

    async def on_unit_asked(self, message: UnitAsked) -> None:
        self.frames.release()
        if isinstance(self.screen, UnitScreen):
            self.screen.open(message.code, message.note)
        else:
            await self.push_screen(
                UnitScreen(self.site, message.code, message.note, aging=self.aging)
            )

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

    action_stage = show_stage  # F2: the home screen

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if mid_scan(self.focused, self.burst):  # inside a burst a key poisons the scan
            return False
        if isinstance(self.screen, PromptScreen):
            return action == "quit"
        if action == UNIT_COMMAND and self.screen is not self.stage:
            return False  # the unit on screen is the stage screen's; elsewhere it is not shown
        if self.session.operator is None:
            return action in SIGNED_OUT_OK or action not in {k.action for k in GLOBAL_KEYS}
        return True

    async def action_help(self) -> None:
        await self.show(HelpScreen())

    async def action_lanes(self) -> None:
        if isinstance(self.screen, LanesScreen):
            self.screen.action_toggle_group()
        else:
            await self.show(LanesScreen(self.site, self.lanes_by, self.aging))

    async def action_unit(self) -> None:
        await self.show(UnitScreen(self.site, aging=self.aging))

    async def action_kitting(self) -> None:
        await self.show(KittingScreen(self.site))

    async def action_sync(self) -> None:
        operator = self.session.operator
        await self.show(SyncScreen(self.site, self.sync, operator.badge if operator else None))

    async def action_buffers(self) -> None:
        await self.show(BuffersScreen(self.site, self.aging))

    def action_unit_command(self, command: str) -> None:
        self.desk.put(requests.Scan(command))  # the key means what its barcode means

    async def action_health(self) -> None:
        operator = self.session.operator  # the screen shows figures to leads and admins only
        await self.show(HealthScreen(self.site, operator, ascii=self.settings.ascii))

    def action_quantity(self) -> None:
        def answered(value: str | None) -> None:
            text = (value or "").strip()
            if text and not (text.isdigit() and int(text) > 0):
                if isinstance(self.screen, FloorScreen):
                    self.screen.flash(f"Not a quantity: {text[:20]!r}. Whole numbers only.")
                return
            if value is not None:
                self.desk.put(requests.Quantity(int(text) if text else None))

        self.push_screen(quantity_prompt(), answered)

    def action_cancel(self) -> None:
        self.desk.put(requests.Cancel())

    def action_sign_out(self) -> None:
        self.desk.put(requests.SignOut("Signed out."))

    async def action_quit(self) -> None:
        self.exit(0)
