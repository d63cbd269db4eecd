"""A list of text rows with a highlighted row, for boards, details, history and help.

Drawn as plain text with a ">" marker and reverse video on the highlighted row (so it
shows without colour), scrolled to keep that row in view. It never takes focus: the
scan field keeps it on every screen, and the screen moves the highlight.

Drawn a line at a time (Textual's line API): the lines in view are made as text when the
rows, the highlight or the size change, only those whose text changed are painted again,
and each line's rendering is kept by what it says. A lanes board refreshed after a move
elsewhere paints the one or two lines that changed, not the twenty in view (rendering
those was a third of a refresh).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from stageterm.tui.widgets.lines import draw_line, placed, selected_text

HIGHLIGHT = Style(reverse=True, bold=True)
KEPT = 512  # rendered lines kept (about twenty screens of them), dropped all at once past it

Said = tuple[object, ...]  # what a line says: its text and styles (a key for its rendering)


def said(line: Text | None) -> Said | None:
    return None if line is None else (line.plain, tuple(line.spans), line.style)


def cropped(line: Text, width: int) -> Text:
    """`line` cut at `width` cells (a line of a list never wraps onto the next)."""
    if line.cell_len <= width:
        return line
    line = line.copy()
    line.truncate(width, overflow="crop")
    return line


@dataclass
class Row:
    """One row: its key (None: not choosable, a heading or a note) and its text, or a
    function that makes the text, called only when the row first comes into view (a board
    of 500 lanes draws the twenty on screen)."""

    key: str | None
    content: Text | Callable[[], Text]
    # The text when this row is the first in view, scrolled: a board names the row's group
    # there even though an earlier row (scrolled away) carries it.
    on_top: Callable[[], Text] | None = None

    def text(self) -> Text:
        if callable(self.content):
            self.content = self.content()
        return self.content


class RowList(Widget):
    DEFAULT_CLASSES = "row-list"
    can_focus = False

    @dataclass
    class Chosen(Message):
        rows: RowList
        key: str

    def __init__(self, *, id: str | None = None, empty: str = "Nothing here.") -> None:
        super().__init__(id=id)
        self.header: Text | None = None
        self.rows: list[Row] = []
        self.cursor = 0
        self.top = 0
        self.empty = empty
        # The lines in view (None: below the list) with what each says, for the size they
        # were made for; None when the rows, highlight or scroll changed since.
        self._view: list[tuple[Text | None, Said | None]] | None = None
        self._view_size: tuple[int, int] = (0, 0)
        # Rendered lines by what they say, for the width and style they were rendered at.
        self._strips: dict[Said, Strip] = {}
        self._drawn_for: tuple[object, ...] | None = None

    def show(self, rows: list[Row], header: Text | None = None, *, keep: bool = True) -> None:
        """Replace the rows; keep the highlight on the same key where it still exists."""
        current = self.current_key if keep else None
        self.header, self.rows = header, rows
        keys = [row.key for row in rows]
        if current is not None and current in keys:
            self.cursor = keys.index(current)
        else:
            self.cursor = next((i for i, row in enumerate(rows) if row.key is not None), 0)
        self._scroll_into_view()
        self._repaint()

    @property
    def current_key(self) -> str | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor].key
        return None

    @property
    def body_height(self) -> int:
        """Rows in view (one line is kept for "more" when they do not all fit)."""
        height = max(1, (self.size.height or 10) - (1 if self.header is not None else 0))
        return height - 1 if len(self.rows) > height and height > 1 else height

    def move(self, delta: int) -> None:
        """Move the highlight by `delta` choosable rows (or scroll, when none is choosable)."""
        choosable = [i for i, row in enumerate(self.rows) if row.key is not None]
        if not choosable:
            self.top = max(0, min(self.top + delta, len(self.rows) - self.body_height))
            self._repaint()
            return
        position = min(range(len(choosable)), key=lambda i: abs(choosable[i] - self.cursor))
        position = max(0, min(len(choosable) - 1, position + delta))
        self.cursor = choosable[position]
        self._scroll_into_view()
        self._repaint()

    def page(self, direction: int) -> None:
        self.move(direction * max(1, self.body_height - 1))

    def choose(self) -> bool:
        key = self.current_key
        if key is None:
            return False
        self.post_message(self.Chosen(self, key))
        return True

    def _scroll_into_view(self) -> None:
        height = self.body_height
        if self.cursor < self.top:
            self.top = max(
                0,
                self.cursor - 1
                if self.cursor and self.rows[self.cursor - 1].key is None
                else self.cursor,
            )
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1
        self.top = max(0, min(self.top, max(0, len(self.rows) - height)))

    def on_resize(self) -> None:
        self._scroll_into_view()  # the list alone may change size (a legend that wraps)
        self._repaint()

    def _repaint(self) -> None:
        """Paint again the lines in view whose text changed (all of them, the first time)."""
        size = (self.size.width, self.size.height)
        before = self._view if self._view_size == size else None
        self._view = None
        if before is None or not all(size):
            self.refresh()
            return
        after = self._lines_in_view()
        changed = [
            Region(0, y, size[0], 1)
            for y, ((_, was), (_, now)) in enumerate(zip(before, after, strict=True))
            if was != now
        ]
        if changed:
            self.refresh(*changed)

    def _lines_in_view(self) -> list[tuple[Text | None, Said | None]]:
        size = (self.size.width, self.size.height)
        if self._view is None or self._view_size != size:
            lines = [self._line(y, size[0] or 80) for y in range(size[1])]
            self._view, self._view_size = [(line, said(line)) for line in lines], size
        return self._view

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.visual_style
        view = self._lines_in_view()
        line, says = view[y] if 0 <= y < len(view) else (None, None)
        if line is None or says is None:  # below the list (as Textual pads a render)
            return Strip.blank(width, style.rich_style)
        if self.text_selection is not None:  # a mouse selection: drawn fresh, not kept
            return placed(draw_line(self, line, width, y), y)
        if self._drawn_for != (width, style):
            self._drawn_for = (width, style)
            self._strips.clear()
        strip = self._strips.get(says)
        if strip is None:
            if len(self._strips) >= KEPT:
                self._strips.clear()
            strip = self._strips[says] = draw_line(self, line, width, y)
        return placed(strip, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selected_text(selection, (line for line, _ in self._lines_in_view()))

    def _line(self, y: int, width: int) -> Text | None:
        """Line `y`: the header, a row, the "more" note or the empty note (None: below)."""
        if self.header is not None:
            if y == 0:
                return cropped(self.header, width)
            y -= 1
        if not self.rows:
            empty = Text(self.empty, style="dim", no_wrap=True, overflow="crop")
            return cropped(empty, width) if y == 0 else None
        shown = min(self.body_height, len(self.rows) - self.top)
        if y < shown:
            return self._row_line(self.top + y, width)
        if y == shown and shown < len(self.rows):
            line = Text(no_wrap=True, overflow="crop")
            line.append(f"  {self.top + 1}-{self.top + shown} of {len(self.rows)}", style="dim")
            line.append("  PgUp/PgDn", style="dim")
            return cropped(line, width)
        return None

    def _row_line(self, index: int, width: int) -> Text:
        row = self.rows[index]
        chosen = index == self.cursor and row.key is not None
        line = Text(">" if chosen else " ", no_wrap=True, overflow="crop")
        first_in_view = index == self.top and index > 0 and row.on_top is not None
        line.append_text(row.on_top() if first_in_view and row.on_top else row.text())
        line.truncate(width, overflow="crop")
        if chosen:
            line.pad_right(max(0, width - line.cell_len))
            line.stylize(HIGHLIGHT)
        return line
