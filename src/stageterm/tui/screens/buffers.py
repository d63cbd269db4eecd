"""Buffers: work in process per operation (SPEC §8). Each buffer with the operation it
feeds, its kanban capacity use and oldest dwell, then its units oldest first (the order
they are issued in, FIFO per item) with their dwell and aging mark.

A unit scanned here opens the unit; Enter on a unit's row opens it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.widget import Widget

from stageterm.domain.metrics import AgingThresholds
from stageterm.tui.keys import HELP, LANES, QUIT, STAGE, UNIT, Key
from stageterm.tui.look import AGING, STYLE_HEAD, aging, capacity, cells, dwell, literal
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.unit import UnitScreen
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.services.site import Site
    from stageterm.services.wip import BufferQueue, WaitingUnit

WIDE = 60


@dataclass(frozen=True)
class Work:
    buffers: list[BufferQueue]


def buffer_row(queue: BufferQueue, wide: bool, thresholds: AgingThresholds) -> Text:
    """ "B-HT  > machining  5/6  oldest 5h00 !! OLD" (the OVER/FULL word past the kanban)."""
    buffer = queue.buffer
    cap_text, cap_style = capacity(len(queue.units), buffer.capacity)
    text = Text(no_wrap=True, overflow="crop")
    text.append(literal(buffer.code, 12), style="bold")
    text.append(f" > {literal(buffer.operation or '-', 14 if wide else 10)}  ")
    text.append(cap_text, style=cap_style or "")
    if queue.units:
        mark, word, style = aging(queue.oldest_dwell_s, thresholds)
        text.append(f"  {'oldest ' if wide else ''}{dwell(queue.oldest_dwell_s)} ")
        text.append(f"{mark}{word}".strip() if wide else mark.strip(), style=style)
    else:
        text.append("  empty")
    return text


def unit_row(waiting: WaitingUnit, wide: bool, thresholds: AgingThresholds) -> Text:
    unit = waiting.unit
    mark, word, style = aging(waiting.dwell_s, thresholds)
    if wide:
        return cells(
            ("", 1), (literal(unit.code, 12), 10), (literal(unit.item, 12), 10),
            (literal(unit.lot or "-", 10), 8), (str(unit.quantity), -5),
            (dwell(waiting.dwell_s), -6), (f"{mark}{word}".strip(), 8, style),
        )  # fmt: skip
    return cells(
        ("", 1), (literal(unit.code, 12), 8), (literal(unit.item, 8), 6),
        (str(unit.quantity), -4), (dwell(waiting.dwell_s), -5), (mark, 2, style),
    )  # fmt: skip


def header(wide: bool) -> Text:
    if wide:
        text = cells(
            ("", 1), ("UNIT", 10), ("ITEM", 10), ("LOT", 8), ("QTY", -5), ("DWELL", -6), ("AGE", 8)
        )
    else:
        text = cells(("", 1), ("UNIT", 8), ("ITEM", 6), ("QTY", -4), ("DWELL", -5), ("!", 2))
    text.stylize(STYLE_HEAD)
    return Text(" ").append_text(text)


class BuffersScreen(FloorScreen):
    HEADING = "BUFFERS"
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, STAGE, LANES, UNIT, QUIT)
    OPENS_UNITS = True
    PLACEHOLDER = "scan a unit to open it"

    def __init__(self, site: Site, aging: AgingThresholds = AGING) -> None:
        super().__init__(site)
        self.aging = aging
        self.work: Work | None = None

    def body(self) -> Iterable[Widget]:
        yield RowList(id="buffers", empty="Loading buffers...")

    def fetch(self) -> Work:
        return Work(self.site.views.buffers())

    def show(self, data: Work) -> None:
        self.work = data
        self.draw()

    def draw(self) -> None:
        if self.work is None:
            return
        wide = self.size.width >= WIDE
        rows: list[Row] = []
        for queue in self.work.buffers:
            rows.append(Row(None, buffer_row(queue, wide, self.aging)))
            rows.extend(
                Row(w.unit.code, partial(unit_row, w, wide, self.aging)) for w in queue.units
            )
        rows_widget = self.query_one(RowList)
        rows_widget.empty = "No buffers at this site."
        rows_widget.show(rows, header(wide))

    def on_resize(self) -> None:
        self.draw()

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        self.app.push_screen(UnitScreen(self.site, message.key, aging=self.aging))
