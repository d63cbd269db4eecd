"""The wall board (SPEC §6b): the lanes board and the health screen, read-only, for office
staff and a TV over the dock, served to browsers by `stageterm serve` (tui/serve.py).

Nothing here can move, hold or release a unit: the board has no scan session at all (no
`FloorSession`, no scan desk), a scan typed into its field is refused on the spot, and
the health screen acknowledges no alert. It follows the site like a terminal does, by
polling the change counter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import BindingType

from stageterm.tui.keys import GROUP, HEALTH, LANES, QUIT, Key
from stageterm.tui.messages import SiteChanged
from stageterm.tui.pollers import Pollers
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.health import HealthScreen
from stageterm.tui.screens.lanes import LanesScreen
from stageterm.tui.widgets.bars import TitleBar
from stageterm.tui.widgets.scanfield import ScanField

if TYPE_CHECKING:
    from stageterm.services.site import Site

READ_ONLY = "read-only board: nothing can be moved from here"
# In a browser Ctrl-W closes the tab before the page sees it: the board's health key is
# Ctrl-P (xterm.js takes it from the browser) or F11, as it was before terminals took F11.
BOARD_HEALTH = Key(HEALTH.action, "f11", "ctrl+p", HEALTH.label, HEALTH.what)
BOARD_KEYS = (LANES, BOARD_HEALTH, QUIT)


class BoardLanes(LanesScreen):
    KEYS: ClassVar[tuple[Key, ...]] = (GROUP, BOARD_HEALTH, QUIT)  # only what works on the board


class BoardHealth(HealthScreen):
    KEYS: ClassVar[tuple[Key, ...]] = (LANES, QUIT)


class BoardApp(App[int]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "stageterm board"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in BOARD_KEYS]

    def __init__(self, site: Site) -> None:
        super().__init__()
        self.site = site
        self.lanes_by = "customer"
        self._counter: int | None = None

    async def on_mount(self) -> None:
        await self.push_screen(BoardLanes(self.site, self.lanes_by))
        Pollers(self, self.site, None).start(0, lambda _reason: None)

    def on_site_changed(self, message: SiteChanged) -> None:
        if message.counter != self._counter:
            self._counter = message.counter
            if isinstance(self.screen, FloorScreen):
                self.screen.changed_elsewhere()

    def on_floor_screen_shown(self, message: FloorScreen.Shown) -> None:
        for bar in message.screen.query(TitleBar):
            bar.set(who="read-only", status=f"{self.site.now():%H:%M}")

    def on_lanes_screen_grouped(self, message: LanesScreen.Grouped) -> None:
        self.lanes_by = message.by

    def on_scan_field_scanned(self, message: ScanField.Scanned) -> None:
        # No session to take it: a scan is refused where it was typed, and nothing is read.
        if isinstance(self.screen, FloorScreen):
            self.screen.flash(READ_ONLY)
        self.bell()

    def on_scan_field_confirmed(self, message: ScanField.Confirmed) -> None:
        if isinstance(self.screen, FloorScreen):
            self.screen.confirm()  # Enter opens the highlighted lane: reading only

    async def _show(self, screen: FloorScreen) -> None:
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.push_screen(screen)

    async def action_lanes(self) -> None:
        if isinstance(self.screen, LanesScreen):
            self.screen.action_toggle_group()
            return
        while len(self.screen_stack) > 2:
            await self.pop_screen()

    async def action_health(self) -> None:
        await self._show(BoardHealth(self.site, None, read_only=True))

    async def action_quit(self) -> None:
        self.exit(0)
