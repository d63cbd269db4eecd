"""The floor terminal app: screens, global keys, the scan desk, idle sign-out, live refresh.

Built by `stageterm.cli.run_app` with the services (and, when upstream is set, a sync
link). Scans from every screen go to the scan desk thread in order; its answers come back
as messages and decide which screen shows them.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import BindingType
from textual.screen import Screen

from stageterm.tui import desk as requests
from stageterm.tui.floor import FloorApp
from stageterm.tui.keys import GLOBAL_KEYS
from stageterm.tui.messages import Acknowledged, Answered, PinAsked, UnitAsked
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.help import HelpScreen
from stageterm.tui.screens.kitting import KittingScreen
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.screens.prompts import PromptScreen, pin_prompt, quantity_prompt
from stageterm.tui.screens.signin import SignInScreen
from stageterm.tui.screens.stage import StageScreen
from stageterm.tui.screens.sync import SyncScreen
from stageterm.tui.screens.unit import UnitScreen
from stageterm.tui.widgets.scanfield import BurstWatch, ScanField, mid_scan

SIGNED_OUT_OK = ("help", "quit")  # what works before anyone signs in


class StagetermApp(FloorApp):
    CSS_PATH = "styles/app.tcss"
    TITLE = "stageterm"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in GLOBAL_KEYS]

    blocking: int | None = None  # seq of the refusal waiting for Enter
    stage: StageScreen | None = None  # the home screen of the signed-in operator
    lanes_by = "customer"  # the lanes board's grouping, kept between visits
    burst: BurstWatch | None = None  # made with the first key

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):  # before any binding: is it inside a burst?
            self.burst = self.burst or BurstWatch()
            self.burst.arrived(event)
        await super().on_event(event)

    async def on_mount(self) -> None:
        self.set_class(self.settings.ascii, "-ascii")
        await self.push_screen(SignInScreen(note="" if self.is_open else "Opening the database..."))
        self.begin()

    def opened(self) -> None:
        if isinstance(self.screen, SignInScreen) and self.screen.note.startswith("Opening"):
            self.screen.set_note("")

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
        if mid_scan(self.focused, self.burst):  # inside a burst a key poisons the scan
            return False
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
        if self.is_open:
            self.workflow.sign_out()
        self.exit(0)
