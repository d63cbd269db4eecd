"""What every floor screen has: a title bar, a scan field that keeps the focus, a key bar,
and data loaded in a worker thread and shown when it arrives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from stageterm.tui.keys import HELP, LANES, QUIT, STAGE, UNIT, Key
from stageterm.tui.widgets.bars import KeyBar, TitleBar
from stageterm.tui.widgets.rows import RowList
from stageterm.tui.widgets.scanfield import ScanField

if TYPE_CHECKING:
    from stageterm.services.site import Site


class FloorScreen(Screen[None]):
    HEADING: ClassVar[str] = ""
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, STAGE, LANES, UNIT, QUIT)
    OPENS_UNITS: ClassVar[bool] = False  # a unit scanned here opens the unit instead of moving it
    PROMPT: ClassVar[str] = "Scan>"
    PLACEHOLDER: ClassVar[str] = "scan or type a code, Enter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
    ]

    @dataclass
    class Loaded(Message):
        screen: FloorScreen
        data: Any

    @dataclass
    class Shown(Message):
        """The screen is on top again: the app puts who is signed in and the sync word
        on its title bar."""

        screen: FloorScreen

    def __init__(self, site: Site | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._site = site

    @property
    def site(self) -> Site:
        """The use cases (reads run in workers, never on the UI thread)."""
        if self._site is None:
            raise RuntimeError(f"{type(self).__name__} was made without the site")
        return self._site

    def compose(self) -> ComposeResult:
        yield TitleBar(self.HEADING)
        yield from self.body()
        with Horizontal(classes="scan-bar"):
            yield Label(self.PROMPT, classes="scan-prompt")
            yield ScanField(placeholder=self.PLACEHOLDER, id="scan")
        yield from self.below_scan()
        yield KeyBar(self.KEYS)

    def body(self) -> Iterable[Widget]:
        """Widgets between the title bar and the scan field."""
        return ()

    def below_scan(self) -> Iterable[Widget]:
        """Widgets between the scan field and the key bar."""
        return ()

    # -- focus: the scan field always has it -----------------------------------------------------

    def on_screen_resume(self) -> None:
        if not self.query(ScanField):
            # Resumed before its widgets are composed (a screen switch under load): once more
            # after the next refresh, when they are there.
            self.call_after_refresh(self.on_screen_resume)
            return
        self.focus_scan()
        self.post_message(self.Shown(self))
        self.ready()
        self.load()

    def ready(self) -> None:
        """The widgets exist and the screen is on top (called on every resume)."""

    def focus_scan(self) -> None:
        self.query_one(ScanField).focus()

    def on_idle(self) -> None:
        # Runs before Textual's own idle handler: a scan's answer, held for one frame
        # (tui/frames.py), is painted now rather than at the update timer's next tick.
        frames = getattr(self.app, "frames", None)
        if frames is not None:
            frames.paint_if_due(self)

    def on_key(self, event: events.Key) -> None:
        # A key that reached the screen means the scan field lost focus (a mouse click):
        # give it back, with the character, so no scan is lost.
        field = self.query_one(ScanField)
        if not field.has_focus:
            field.focus()
            if event.is_printable and event.character:
                field.insert_text_at_cursor(event.character)
                event.stop()

    # -- data ---------------------------------------------------------------------------------------

    def load(self) -> None:
        """Fetch this screen's data in a thread; `show` gets it on the UI thread."""
        if type(self).fetch is FloorScreen.fetch:
            return
        self.run_worker(
            self._fetch_in_thread,
            thread=True,
            exclusive=True,
            group="load",
            name=f"{self.HEADING.lower()} load",
            exit_on_error=False,
        )

    def _fetch_in_thread(self) -> None:
        self.post_message(self.Loaded(self, self.fetch()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker messages do not bubble: a screen's own failed work is shown on its key bar.
        if event.state is WorkerState.ERROR:
            text = f"{event.worker.name or 'background work'} failed: {event.worker.error}"
            self.log.error(text)
            self.flash(text[:200])

    def on_floor_screen_loaded(self, message: FloorScreen.Loaded) -> None:
        if message.screen is self:
            self.show(message.data)

    def fetch(self) -> Any:
        """Read what the screen shows (runs in a worker thread: services only, no widgets)."""
        return None

    def show(self, data: Any) -> None:
        """Put fetched data on the screen (UI thread)."""

    def changed_elsewhere(self) -> None:
        """The site changed (this or another terminal): boards reload."""
        self.load()

    # -- keys -----------------------------------------------------------------------------------------

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:  # the home screen stays
            self.app.pop_screen()

    def action_move(self, delta: int) -> None:
        for rows in self.query(RowList):
            rows.move(delta)

    def action_page(self, direction: int) -> None:
        for rows in self.query(RowList):
            rows.page(direction)

    def confirm(self) -> None:
        """Enter on the empty scan field (when no refusal waits): open the highlighted row."""
        for rows in self.query(RowList):
            rows.choose()

    def flash(self, text: str) -> None:
        self.query_one(KeyBar).flash(text)

    def notice(self, text: str) -> None:
        """News on the key bar (a new alert), after the answer to the operator's last action."""
        self.query_one(KeyBar).notice(text)
