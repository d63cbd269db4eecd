"""A list of text rows with a highlighted row, for boards, details, history and help.

Drawn as plain text with a ">" marker and reverse video on the highlighted row (so it
shows without colour), scrolled to keep that row in view. It never takes focus: the
scan field keeps it on every screen, and the screen moves the highlight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widget import Widget

HIGHLIGHT = Style(reverse=True, bold=True)


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
        self.refresh()

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
            self.refresh()
            return
        position = min(range(len(choosable)), key=lambda i: abs(choosable[i] - self.cursor))
        position = max(0, min(len(choosable) - 1, position + delta))
        self.cursor = choosable[position]
        self._scroll_into_view()
        self.refresh()

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
        self._scroll_into_view()

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop", end="")
        width = self.size.width or 80
        if self.header is not None:
            text.append_text(self.header)
            text.append("\n")
        if not self.rows:
            text.append(self.empty, style="dim")
            return text
        window = self.rows[self.top : self.top + self.body_height]
        for index, row in enumerate(window, start=self.top):
            if index > self.top:
                text.append("\n")
            chosen = index == self.cursor and row.key is not None
            line = Text(">" if chosen else " ", no_wrap=True, overflow="crop")
            first_in_view = index == self.top and index > 0 and row.on_top is not None
            line.append_text(row.on_top() if first_in_view and row.on_top else row.text())
            line.truncate(width, overflow="crop")
            if chosen:
                line.pad_right(max(0, width - line.cell_len))
                line.stylize(HIGHLIGHT)
            text.append_text(line)
        if len(window) < len(self.rows):
            above, below = self.top, len(self.rows) - self.top - len(window)
            text.append(
                f"\n  {self.top + 1}-{self.top + len(window)} of {len(self.rows)}", style="dim"
            )
            text.append("  PgUp/PgDn" if above or below else "", style="dim")
        return text
