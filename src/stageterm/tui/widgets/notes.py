"""A line of text under a list (a board's legend, a lane's summary) that changes with
the site."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def show_text(note: Static, text: Text) -> None:
    """Show `text` in `note`, laying the screen out again only when its height changes: a
    board's legend (its unit count) changes on most refreshes, and a layout pass of the
    whole screen cost a millisecond or more of each."""
    note.update(text, layout=False)
    width, height = note.content_size
    if not width or note.get_content_height(note.size, note.size, width) != height:
        note.refresh(layout=True)
