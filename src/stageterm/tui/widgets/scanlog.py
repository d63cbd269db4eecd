"""The running list of this session's scans and what came of each, newest first.

Drawn a line at a time (Textual's line API): each entry's line is rendered once for the
list's width and kept, so a new scan renders one line, not the whole list (the list
was the costliest part of a scan's frame: 1.5-2 ms of a handheld's CPU).
"""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from stageterm.tui.look import NOT_TAKEN, OUTCOMES, STYLE_BAD, STYLE_OK, STYLE_WARN, literal
from stageterm.tui.messages import ScanEntry
from stageterm.tui.widgets.lines import draw_line, placed, selected_text

TAG_STYLES = {"-ok": STYLE_OK, "-refused": STYLE_BAD, "-approval": STYLE_WARN}
EMPTY = "Scans of this session show here."


class ScanLog(Widget):
    DEFAULT_CLASSES = "scan-log"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: deque[ScanEntry] = deque(maxlen=200)
        # The entries' rendered lines, in step with `entries`; None until drawn.
        self._lines: deque[Strip | None] = deque(maxlen=200)
        self._drawn_for: tuple[object, ...] | None = None  # (width, style) the lines were drawn for

    def add(self, entry: ScanEntry) -> None:
        self.entries.appendleft(entry)
        self._lines.appendleft(None)
        self.refresh()

    def clear(self) -> None:
        self.entries.clear()
        self._lines.clear()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.visual_style
        if y >= max(1, len(self.entries)):  # below the list (as Textual pads a render)
            return Strip.blank(width, style.rich_style)
        if self.text_selection is not None:  # a mouse selection: drawn fresh, not kept
            return placed(draw_line(self, self._line(y, width), width, y), y)
        if self._drawn_for != (width, style):
            self._drawn_for = (width, style)
            self._lines = deque([None] * len(self.entries), maxlen=200)
        if not self.entries:
            strip = self._draw(self._line(y, width), width)
        else:
            strip = self._lines[y] or self._draw(self._line(y, width), width)
            self._lines[y] = strip
        # Where each line is (for the mouse to start a selection) only while the mouse is
        # over the log: every scan moves every line down one, and placing them all again
        # cost half a millisecond of each scan's frame.
        return placed(strip, y) if self.mouse_hover else strip

    def watch_mouse_hover(self) -> None:
        self.refresh()

    def _draw(self, line: Text, width: int) -> Strip:
        """A line as it is kept (no selection over it), for any place in the list."""
        return draw_line(self, line, width, 0)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        width = self.size.width
        return selected_text(
            selection, (self._line(y, width) for y in range(max(1, len(self.entries))))
        )

    def _line(self, y: int, width: int) -> Text:
        """Line `y` of the list: an entry, or the note of an empty list."""
        line = Text(no_wrap=True, overflow="crop")
        if not self.entries:
            line.append(EMPTY, style="dim")
            return line
        width = max(20, width or 80)
        entry = self.entries[y]
        look = OUTCOMES[entry.result.outcome] if entry.taken else NOT_TAKEN
        what = entry.result.message if entry.taken else f"{entry.raw}: not taken"
        if width >= 50:  # the time is the first thing to go on a handheld
            line.append(entry.at.strftime("%H:%M") + " ")
        line.append(look.tag, style=TAG_STYLES.get(look.css, "bold"))
        line.append(" " + literal(what, 300))
        line.truncate(width, overflow="ellipsis")
        return line
