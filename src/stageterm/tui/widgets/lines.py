"""Drawing one line of a widget drawn a line at a time (Textual's line API): the scan log
and every list. Each line is rendered on its own and kept, so the mouse's selection is
applied here, line by line, as Textual applies it to a widget rendered whole: the line
carries its offsets (which line and column the mouse is over) and the selected part is
shown in the selection's style; the selected text is read from the lines' text."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.selection import Selection
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget


def draw_line(widget: Widget, line: Text, width: int, y: int) -> Strip:
    """Line `y` of `widget`, `width` cells, with the selection over it (if any). Without
    a selection it does not depend on `y` and may be kept; `placed` puts it at line `y`."""
    selection = widget.text_selection
    if selection is not None and (span := selection.get_span(y)) is not None:
        start, end = span
        line = line.copy()
        line.stylize(
            widget.screen.get_component_rich_style("screen--selection"),
            start,
            len(line) if end == -1 else end,
        )
    style = widget.visual_style
    strips = Visual.to_strips(
        widget, visualize(widget, line), width, 1, style, apply_selection=False
    )
    return strips[0] if strips else Strip.blank(width, style.rich_style)


def placed(strip: Strip, y: int) -> Strip:
    """`strip` as line `y`: the mouse over it is over line `y` (kept by the strip)."""
    return strip.apply_offsets(0, y)


def selected_text(selection: Selection, lines: Iterable[Text | None]) -> tuple[str, str]:
    """What `selection` covers of these lines (for copying)."""
    return selection.extract("\n".join(line.plain if line else "" for line in lines)), "\n"
