"""Sign-in: scan your badge (a PIN is asked for where the badge has one)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from stageterm.tui.banner import banner, banner_width
from stageterm.tui.keys import HELP, QUIT, Key
from stageterm.tui.look import literal
from stageterm.tui.messages import ScanEntry
from stageterm.tui.screens.base import FloorScreen


class SignInBanner(Widget):
    """The words SIGN IN in big letters when they fit, the one thing to do, and this terminal."""

    def __init__(self, terminal: str, *, id: str | None = None) -> None:
        self.terminal_id = terminal
        super().__init__(id=id)

    def render(self) -> Text:
        width = self.content_size.width or 80
        text = Text(no_wrap=True, overflow="crop")
        if banner_width("SIGN IN") + 2 <= width:
            text.append("\n".join(banner("SIGN IN")) + "\n\n", style="bold")
        else:
            text.append("SIGN IN\n\n", style="bold")
        text.append("Scan your badge.", style="bold")
        text.append(f"\nTerminal {literal(self.terminal_id, 30)}", style="dim")
        return text


class SignInScreen(FloorScreen):
    HEADING = "STAGETERM"
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, QUIT)
    PROMPT = "Badge>"
    PLACEHOLDER = "scan your badge"

    def __init__(self, terminal: str, note: str = "") -> None:
        super().__init__()
        self.terminal = terminal
        self.note = note

    def body(self) -> Iterable[Widget]:
        yield SignInBanner(self.terminal, id="signin-banner")
        yield Static(Text(self.note), id="signin-note")

    def record(self, entry: ScanEntry) -> None:
        self.set_note(literal(entry.result.message, 200), stop=not entry.result.ok)

    def set_terminal(self, terminal: str) -> None:
        """The terminal id as the settings say, once read (the first paint had the
        environment's)."""
        self.terminal = terminal
        banner = self.query_one("#signin-banner", SignInBanner)
        banner.terminal_id = terminal
        banner.refresh()

    def set_note(self, note: str, *, stop: bool = False) -> None:
        self.note = note
        text = Text(("X " if stop else "") + note, style="bold" if stop else "")
        widget = self.query_one("#signin-note", Static)
        widget.update(text)
        widget.set_class(stop, "-refused")
