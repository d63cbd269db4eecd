"""One lane: what waits in it, oldest first, with dwell and order; Enter opens a unit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from stageterm.domain.metrics import AgingThresholds
from stageterm.domain.model import Location
from stageterm.tui.keys import HELP, LANES, QUIT, STAGE, UNIT, Key
from stageterm.tui.look import AGING, STYLE_HEAD, aging, capacity, cells, dwell, literal
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.unit import UnitScreen
from stageterm.tui.widgets.notes import show_text
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.services.site import Site
    from stageterm.services.views import StagedUnit

WIDE = 60


@dataclass(frozen=True)
class LaneView:
    location: Location | None
    units: list[StagedUnit]
    now: datetime


def lane_summary(view: LaneView, code: str, thresholds: AgingThresholds = AGING) -> Text:
    lane = view.location
    if lane is None:
        return Text(f"No location {literal(code, 30)} here.", style="bold")
    text = Text()
    text.append(literal(lane.code, 20), style="bold reverse")
    text.append(f"  {lane.kind.value}")
    facts = [
        literal(p, 16) for p in (lane.customer, lane.route, lane.carrier, lane.work_order) if p
    ]
    if facts:
        text.append("  " + " / ".join(facts))
    cap, cap_style = capacity(len(view.units), lane.capacity)
    text.append("\n" + cap + " units", style=cap_style or "bold")
    text.append(f"  qty {sum(s.unit.quantity for s in view.units)}")
    oldest = max((s.dwell_s or 0 for s in view.units), default=None)
    if view.units:
        mark, word, style = aging(oldest, thresholds)
        text.append(f"  oldest {dwell(oldest)} ")
        text.append(f"{mark}{word}".strip(), style=style)
    return text


def unit_row(staged: StagedUnit, wide: bool, thresholds: AgingThresholds = AGING) -> Text:
    unit = staged.unit
    mark, word, style = aging(staged.dwell_s, thresholds)
    if wide:
        return cells(
            (literal(unit.code, 12), 10), (literal(unit.item, 12), 10), (str(unit.quantity), -5),
            (literal(unit.order or "-", 12), 9), (dwell(staged.dwell_s), -6), (f"{mark}{word}".strip(), 8, style),
        )  # fmt: skip
    return cells(
        (literal(unit.code, 12), 8), (literal(unit.item, 8), 7), (str(unit.quantity), -4),
        (dwell(staged.dwell_s), -5), (mark, 2, style),
    )  # fmt: skip


def unit_header(wide: bool) -> Text:
    if wide:
        text = cells(
            ("UNIT", 10), ("ITEM", 10), ("QTY", -5), ("ORDER", 9), ("DWELL", -6), ("AGE", 8)
        )
    else:
        text = cells(("UNIT", 8), ("ITEM", 7), ("QTY", -4), ("DWELL", -5), ("!", 2))
    text.stylize(STYLE_HEAD)
    return Text(" ").append_text(text)


class LaneScreen(FloorScreen):
    HEADING = "LANE"
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, STAGE, LANES, UNIT, QUIT)
    OPENS_UNITS = True
    PLACEHOLDER = "scan a unit to open it"

    def __init__(self, site: Site, code: str, aging: AgingThresholds = AGING) -> None:
        super().__init__(site)
        self.aging = aging
        self.code = code
        self.view: LaneView | None = None

    def body(self) -> Iterable[Widget]:
        yield Static("", id="lane-summary", classes="summary")
        yield RowList(id="units", empty="No units staged here.")

    def fetch(self) -> LaneView:
        views = self.site.views
        found = views.lane(self.code)
        if found is None:
            return LaneView(None, [], views.now())
        location, units = found
        units = sorted(units, key=lambda s: -(s.dwell_s or 0))
        return LaneView(location, units, views.now())

    def show(self, data: LaneView) -> None:
        self.view = data
        self.draw()

    def draw(self) -> None:
        if self.view is None:
            return
        wide = self.size.width >= WIDE
        show_text(
            self.query_one("#lane-summary", Static), lane_summary(self.view, self.code, self.aging)
        )
        rows = [Row(s.unit.code, partial(unit_row, s, wide, self.aging)) for s in self.view.units]
        self.query_one(RowList).show(rows, unit_header(wide))

    def on_resize(self) -> None:
        self.draw()

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        self.app.push_screen(UnitScreen(self.site, message.key, aging=self.aging))
