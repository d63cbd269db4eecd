"""The title bar (screen, operator, sync, clock) and the key bar (keys that fit, or a flash).

Both are plain text of the terminal's width: no block or box characters, so they read
the same in ASCII mode and at 40 columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

from stageterm.tui.keys import Key, vt_keyboard
from stageterm.tui.look import STYLE_BAD


class TitleBar(Widget):
    """`SCREEN  who  right-hand status` on one line; the right side wins when space is short."""

    DEFAULT_CLASSES = "title-bar"

    def __init__(self, title: str) -> None:
        super().__init__()
        self.heading = title
        self.who = ""
        self.status = ""

    def set(self, *, who: str | None = None, status: str | None = None) -> None:
        who = self.who if who is None else who
        status = self.status if status is None else status
        if (who, status) != (self.who, self.status):  # every answer sets it: mostly the same
            self.who, self.status = who, status
            self.refresh()

    def render(self) -> Text:
        width = self.size.width or 80
        left, right = self.heading, self.status
        room = width - len(left) - len(right) - 4
        who = self.who if len(self.who) <= room else self.who.split(" (")[0]
        if len(who) > room:  # a long name on a handheld: cut, and shown to be cut
            who = who[: room - 1] + "…" if room > 1 else ""
        gap = max(1, width - len(left) - len(who) - len(right) - 3)
        text = Text(no_wrap=True, overflow="crop")
        text.append(" " + left, style="bold")
        text.append(" " + who + " " * gap)
        text.append(right)
        return text


class KeyBar(Widget):
    """The keys of this screen that fit the width: "F1/^G Help" when there is room, else
    "F1 Help", or "^G Help" on a VT-class terminal (TERM=vt100, vt220, ...), whose keyboard
    has no F1-F5: there the Ctrl key is the one the operator can press."""

    DEFAULT_CLASSES = "key-bar"

    def __init__(self, keys: Sequence[Key]) -> None:
        super().__init__()
        self.keys = list(keys)
        self.flash_text: str | None = None
        self._unflash_timer: Timer | None = None
        self._notice: tuple[str, float] | None = None  # waiting for the flash on show to end
        self.ctrl_first = vt_keyboard()

    def flash(self, text: str, seconds: float = 8.0) -> None:
        """Show `text` instead of the keys for a while (worker errors, hints)."""
        self.flash_text = text
        self.refresh()
        if self._unflash_timer is not None:  # an earlier flash's end must not cut this one
            self._unflash_timer.stop()
        self._unflash_timer = self.set_timer(seconds, self._unflash)

    def notice(self, text: str, seconds: float = 8.0) -> None:
        """Like `flash`, for news nobody asked for (a new alert): it waits for the end of
        a flash on show, which answers something the operator just did. Only the newest
        waits (an alert's line already counts the others: "+2 more")."""
        if self.flash_text is None:
            self.flash(text, seconds)
        else:
            self._notice = (text, seconds)

    def _unflash(self) -> None:
        self._unflash_timer = None
        notice, self._notice = self._notice, None
        if notice is not None:
            self.flash(*notice)
            return
        self.flash_text = None
        self.refresh()

    def render(self) -> Text:
        width = self.size.width or 80
        if self.flash_text:
            return Text("! " + self.flash_text, style=STYLE_BAD, no_wrap=True, overflow="crop")
        for long in (True, False):
            parts = [self._part(key, long) for key in self.keys]
            line = "  ".join(parts)
            if len(line) < width:
                return self._styled(parts)
        # Too narrow for all: keep the first keys that fit, and always the last (quit).
        last = self._part(self.keys[-1], False)
        kept: list[str] = []
        for key in self.keys[:-1]:
            part = self._part(key, False)
            if len("  ".join([*kept, part, last])) >= width:
                break
            kept.append(part)
        kept.append(last)
        return self._styled(kept)

    def _part(self, key: Key, long: bool) -> str:
        if key.fkey and long:
            return f"{key.fkey_shown}/{key.ctrl_shown} {key.label}"
        if self.ctrl_first:
            return f"{key.ctrl_shown or key.fkey_shown} {key.label}"
        return f"{key.fkey_shown or key.ctrl_shown} {key.label}"

    @staticmethod
    def _styled(parts: list[str]) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for index, part in enumerate(parts):
            keys, _, label = part.partition(" ")
            if index:
                text.append("  ")
            text.append(keys, style="bold reverse")
            text.append(" " + label)
        return text
