"""Big letters for the feedback panel and the stage target: three rows of plain ASCII.

Readable across a dock from a 40-column handheld, in any terminal, with or without
colour or UTF-8. Characters without a glyph are drawn in the middle row as themselves.
"""

from __future__ import annotations

# Each glyph is three rows of equal width (a figlet "mini"-like face).
GLYPHS: dict[str, tuple[str, str, str]] = {
    "A": (" _ ", "|_|", "| |"),
    "B": (" _ ", "|_)", "|_)"),
    "C": (" _ ", "|  ", "|_ "),
    "D": (" _ ", "| \\", "|_/"),
    "E": (" _ ", "|_ ", "|_ "),
    "F": (" _ ", "|_ ", "|  "),
    "G": (" __", "/ _", "\\_|"),
    "H": ("   ", "|_|", "| |"),
    "I": ("___", " | ", "_|_"),
    "J": ("   ", "  |", "\\_|"),
    "K": ("   ", "|/ ", "|\\ "),
    "L": ("   ", "|  ", "|_ "),
    "M": ("    ", "|\\/|", "|  |"),
    "N": ("    ", "|\\ |", "| \\|"),
    "O": (" _ ", "/ \\", "\\_/"),
    "P": (" _ ", "|_)", "|  "),
    "Q": (" _ ", "/ \\", "\\_X"),
    "R": (" _ ", "|_)", "| \\"),
    "S": (" __", "(_ ", "__)"),
    "T": ("___", " | ", " | "),
    "U": ("   ", "| |", "|_|"),
    "V": ("   ", "\\ /", " V "),
    "W": ("    ", "|  |", "|/\\|"),
    "X": ("   ", "\\_/", "/ \\"),
    "Y": ("   ", "\\_/", " | "),
    "Z": ("__ ", " / ", "/_ "),
    "0": (" _ ", "| |", "|_|"),
    "1": ("  ", "/|", " |"),
    "2": (" _ ", " _)", "/_ "),
    "3": (" _ ", " _)", " _)"),
    "4": ("    ", "|_|_", "  | "),
    "5": (" _ ", "|_ ", " _)"),
    "6": (" _ ", "|_ ", "|_)"),
    "7": ("__ ", "  /", " / "),
    "8": (" _ ", "(_)", "(_)"),
    "9": (" _ ", "(_|", "  |"),
    "-": ("  ", "__", "  "),
    "_": ("  ", "  ", "__"),
    ".": (" ", " ", "o"),
    "/": ("  ", " /", "/ "),
    ":": (" ", "o", "o"),
    "!": (" ", "|", "o"),
    "?": ("_ ", " )", "o "),
    "+": ("   ", "_|_", " | "),
    " ": ("  ", "  ", "  "),
}


def _glyph(char: str) -> tuple[str, str, str]:
    glyph = GLYPHS.get(char.upper())
    if glyph is not None:
        return glyph
    return (" ", char, " ")


def banner_width(text: str) -> int:
    """Columns `banner(text)` takes."""
    if not text:
        return 0
    return sum(len(_glyph(c)[0]) for c in text) + len(text) - 1


def banner(text: str) -> list[str]:
    """Three lines drawing `text` in big letters (one column between letters)."""
    glyphs = [_glyph(c) for c in text]
    return [" ".join(g[row] for g in glyphs) for row in range(3)]
