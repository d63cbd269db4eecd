"""ASCII mode: a screen with no box-drawing, block or other non-ASCII characters.

Some terminal clients on the floor cannot draw them (no UTF-8, old VT fonts). The styles
use ASCII borders in this mode, and `AsciiFilter` is the safety net under everything
Textual draws on its own (input borders, scrollbars, ellipses): each non-ASCII character
becomes ASCII of the same width, so layouts do not shift.
"""

from __future__ import annotations

import unicodedata

from rich.cells import cell_len
from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

# Box drawing and blocks by their look; anything else falls back to its decomposition or "?".
_SHAPES = {
    **dict.fromkeys("─━═╌╍┄┅┈┉▔▁⎯", "-"),
    **dict.fromkeys("│┃║╎╏┆┇┊┋▏▕▎▍▌▐", "|"),
    **dict.fromkeys("┌┐└┘├┤┬┴┼╭╮╯╰╔╗╚╝╠╣╦╩╬┏┓┗┛┣┫┳┻╋╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫", "+"),
    **dict.fromkeys("█▇▆▅▄▃▂▀▉▊▋░▒▓■▪●◼", "#"),
    "…": "~",
    "•": "*",
    "·": ".",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "✔": "+",
    "✓": "+",
    "✖": "X",
    "✗": "X",
    "␝": "^",
    "\ufffd": "?",
    "\u00a0": " ",
}


def to_ascii_char(char: str) -> str:
    """One character as ASCII of the same cell width."""
    if char < "\x80":
        return char
    shape = _SHAPES.get(char)
    if shape is not None:
        return shape
    folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    width = max(cell_len(char), 1)
    if folded and folded.isprintable():
        return folded[:width].ljust(width)
    return "?" * width


def to_ascii(text: str) -> str:
    """`text` with every non-ASCII character replaced by ASCII of the same width."""
    if text.isascii():
        return text
    return "".join(to_ascii_char(char) for char in text)


class AsciiFilter(LineFilter):
    """Rewrites every rendered line to ASCII (see module docstring)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            segment
            if segment.text.isascii()
            else Segment(to_ascii(segment.text), segment.style, segment.control)
            for segment in segments
        ]
