"""Help: how to stage, every key (function key and Ctrl alternative), the command barcodes."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from stageterm.tui.keys import (
    ACK,
    GLOBAL_KEYS,
    GROUP,
    LANES,
    PLAIN_KEYS,
    QUIT,
    RETRY,
    SEND_NOW,
    STAGE,
    Key,
    vt_keyboard,
)
from stageterm.tui.look import STYLE_HEAD
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.widgets.rows import Row, RowList

COMMAND_BARCODES = (
    ("@DONE", "Clear the target"),
    ("@CANCEL", "Drop the unit in hand, a quantity or a pending approval"),
    ("@UNDO", "Reverse the latest event of the unit on screen"),
    ("@UNSTAGE", "The unit on screen back to where it was staged from"),
    ("@HOLD", "Put the unit on screen on hold at once (anyone)"),
    ("@RELEASE", "Release the unit on screen (quality role; Ctrl-U)"),
    ("@ISSUE", "Issue the unit on screen to production"),
    ("@PRINT", "Print the label of the unit on screen (F12 / Ctrl-P)"),
    ("@LOAD", "How to load: scan a dock, then units"),
    ("@LANES", "Open the lanes board"),
    ("@HELP", "Open this help"),
    ("@SIGNOUT", "Sign out"),
)

HOW = (
    "Scan a lane (the target), then units: each goes there. Or scan a unit, then the lane.",
    "Scan a dock door, then units: they are loaded.",
    "REFUSED or ERROR: read it, then press Enter on the empty scan field. Until then no scan"
    " is taken (the bell rings again).",
    "APPROVAL: a lead scans their badge at this terminal (and types a PIN if they have one).",
    "Kitting: F7 sets a part quantity for the next unit; scan the kitting area, then the unit.",
    "On the lanes, lane, unit and kitting screens a scanned unit opens that unit.",
)


def _heading(text: str) -> Row:
    return Row(None, Text(text, style=STYLE_HEAD))


def _wrapped(text: str, width: int, indent: int) -> list[str]:
    return textwrap.wrap(text, max(10, width - indent - 3)) or [""]


def _pair(keys: str, what: str, width: int) -> list[Row]:
    """Key and meaning side by side; the meaning wraps under itself."""
    column = 15 if width >= 60 else 8
    lines = _wrapped(what, width, column + 1)
    first = Text(no_wrap=True, overflow="crop")
    first.append(f" {keys:<{column}}", style="bold")
    if len(keys) >= column:
        return [Row(None, first), *(Row(None, Text(" " * (column + 1) + line)) for line in lines)]
    first.append(lines[0])
    return [Row(None, first), *(Row(None, Text(" " * (column + 1) + line)) for line in lines[1:])]


def help_rows(width: int) -> list[Row]:
    rows = [_heading("HOW TO STAGE")]
    for paragraph in HOW:
        lines = _wrapped(paragraph, width, 3)
        rows += [
            Row(None, Text((" - " if i == 0 else "   ") + line)) for i, line in enumerate(lines)
        ]
    rows.append(_heading("KEYS (F-key or Ctrl-letter)"))
    for key in (*GLOBAL_KEYS, GROUP, SEND_NOW, RETRY, ACK):
        # The key the key bar names comes first: the Ctrl key on a VT keyboard ("^T/F2").
        pair = (
            (key.ctrl_shown, key.fkey_shown) if vt_keyboard() else (key.fkey_shown, key.ctrl_shown)
        )
        keys = "/".join(pair) if key.fkey else key.ctrl_shown
        rows += _pair(keys, key.what, width)
    for plain in PLAIN_KEYS:
        rows += _pair(plain.keys, plain.what, width)
    rows.append(_heading("COMMAND BARCODES"))
    for code, what in COMMAND_BARCODES:
        rows += _pair(code, what, width)
    return rows


class HelpScreen(FloorScreen):
    HEADING = "HELP"
    KEYS: ClassVar[tuple[Key, ...]] = (STAGE, LANES, QUIT)

    def body(self) -> Iterable[Widget]:
        yield RowList(id="help")

    def on_resize(self) -> None:
        self.query_one(RowList).show(help_rows(self.size.width), keep=False)
