"""The running list of this session's scans and what came of each, newest first.

Drawn a line at a time (Textual's line API): each entry's line is rendered once for the
list's width and kept, so a new scan renders one line, not the whole list (the list
was the costliest part of a scan's frame: 1.5-2 ms of a handheld's CPU).
"""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

from stageterm.tui.look import NOT_TAKEN, OUTCOMES, STYLE_BAD, STYLE_OK, STYLE_WARN, literal
from stageterm.tui.messages import ScanEntry

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
            return self._draw(self._line(y, width), width)
        if self._drawn_for != (width, style):
            self._drawn_for = (width, style)
            self._lines = deque([None] * len(self.entries), maxlen=200)
        if not self.entries:
            return self._draw(self._line(y, width), width)
        strip = self._lines[y]
        if strip is None:
            strip = self._lines[y] = self._draw(self._line(y, width), width)
        return strip

    def _draw(self, line: Text, width: int) -> Strip:
        strips = Visual.to_strips(self, visualize(self, line), width, 1, self.visual_style)
        return strips[0] if strips else Strip.blank(width, self.visual_style.rich_style)

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
