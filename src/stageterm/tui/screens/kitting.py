"""Kitting: each work order's lines, quantity required against quantity staged, and
whether the kit is complete or short (and by how much)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.widget import Widget

from stageterm.tui.keys import HELP, LANES, QUANTITY, QUIT, STAGE, UNIT, Key
from stageterm.tui.look import STYLE_BAD, STYLE_HEAD, STYLE_OK, cells, clock, literal
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.services.site import Site
    from stageterm.services.views import KitLine, KitProgress

WIDE = 60


@dataclass(frozen=True)
class Kits:
    orders: list[KitProgress]
    now: datetime


def order_row(kit: KitProgress, now: datetime, wide: bool) -> Text:
    short_lines = sum(1 for line in kit.lines if line.short)
    state = "COMPLETE" if kit.complete else f"SHORT: {short_lines} of {len(kit.lines)} lines"
    text = Text(no_wrap=True, overflow="crop")
    text.append(literal(kit.order.ref, 16), style="bold")
    text.append(f" {literal(', '.join(kit.areas) or '-', 16)}")
    if wide and kit.order.due_at is not None:
        text.append(f"  due {clock(kit.order.due_at, now)}")
    text.append("  ")
    text.append(
        ("+ " if kit.complete else "X ") + state, style=STYLE_OK if kit.complete else STYLE_BAD
    )
    return text


def line_row(line: KitLine, wide: bool) -> Text:
    state = ("OK", STYLE_OK) if not line.short else (f"SHORT {line.short}", STYLE_BAD)
    # Where to fetch a short item: its storage places, fullest first ("-" when none).
    where = ",".join(line.stored_at) if line.short else ""
    if line.short and not where:
        where = "none stored"
    if wide:
        return cells(
            ("", 1),
            (literal(line.item, 14), 12),
            (str(line.required), -8),
            (str(line.staged), -8),
            (state[0], 10, state[1]),
            (literal(where, 24), 18),
        )
    return cells(
        ("", 1),
        (literal(line.item, 10), 8),
        (f"{line.staged}/{line.required}", -9),
        (state[0], 9, state[1]),
        (literal(where.split(",")[0], 10), 10),
    )


def kit_header(wide: bool) -> Text:
    if wide:
        text = cells(
            ("", 1),
            ("ITEM", 12),
            ("REQUIRED", -8),
            ("STAGED", -8),
            ("STATE", 10),
            ("FETCH FROM", 18),
        )
    else:
        text = cells(("", 1), ("ITEM", 8), ("HAVE/NEED", -9), ("STATE", 9), ("FROM", 10))
    text.stylize(STYLE_HEAD)
    return Text(" ").append_text(text)


class KittingScreen(FloorScreen):
    HEADING = "KITTING"
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, STAGE, LANES, UNIT, QUANTITY, QUIT)
    OPENS_UNITS = True
    PLACEHOLDER = "scan a kitting area to stage to it"

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        self.kits: Kits | None = None

    def body(self) -> Iterable[Widget]:
        yield RowList(id="kits", empty="Loading work orders...")

    def fetch(self) -> Kits:
        views = self.site.views
        return Kits(views.kitting(), views.now())

    def show(self, data: Kits) -> None:
        self.kits = data
        self.draw()

    def draw(self) -> None:
        if self.kits is None:
            return
        wide = self.size.width >= WIDE
        rows: list[Row] = []
        for kit in self.kits.orders:
            rows.append(Row(None, order_row(kit, self.kits.now, wide)))
            rows.extend(Row(None, line_row(line, wide)) for line in kit.lines)
        rows_widget = self.query_one(RowList)
        rows_widget.empty = "No work orders."
        rows_widget.show(rows, kit_header(wide), keep=False)

    def on_resize(self) -> None:
        self.draw()
