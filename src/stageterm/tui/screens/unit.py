"""Unit lookup: a unit's facts (where, status, order, lot, expiry, dwell) and its full
history, newest first. Scan or type a unit code to open another."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from stageterm.domain.metrics import AgingThresholds
from stageterm.domain.model import Event, Quality
from stageterm.tui.keys import HELP, LANES, QUIT, STAGE, UNIT, Key
from stageterm.tui.look import AGING, STYLE_BAD, STYLE_HEAD, aging, clock, dwell, literal
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.services.site import Site
    from stageterm.services.views import UnitDetail

WIDE = 60


@dataclass(frozen=True)
class UnitView:
    code: str
    detail: UnitDetail | None
    now: datetime


def facts(detail: UnitDetail, now: datetime, thresholds: AgingThresholds = AGING) -> Text:
    unit = detail.unit
    text = Text()
    text.append(literal(unit.code, 30), style="bold reverse")
    text.append(
        f"  {literal(unit.item, 40)}  x{unit.quantity} {literal(unit.uom or '', 6)}".rstrip()
    )
    quality = (
        unit.quality.value
        if unit.quality is Quality.RELEASED
        else f"X {unit.quality.value.upper()}"
    )
    text.append("\n")
    text.append(quality, style="" if unit.quality is Quality.RELEASED else STYLE_BAD)
    text.append(f"  {unit.state.value}  at {literal(unit.location or '-', 16)}")
    if detail.location is not None:
        text.append(f" ({detail.location.kind.value})")
    if unit.staged_at is not None:
        mark, word, style = aging(detail.dwell_s, thresholds)
        text.append(f"  dwell {dwell(detail.dwell_s)} ")
        text.append(f"{mark}{word}".strip(), style=style)
    if detail.order is not None:
        order = detail.order
        who = " / ".join(literal(p, 12) for p in (order.customer, order.route) if p)
        text.append(f"\norder {literal(order.ref, 16)} {who}".rstrip())
        if order.due_at is not None:
            text.append(f" due {clock(order.due_at, now)}")
    elif unit.order:
        text.append(f"\norder {literal(unit.order, 16)}")
    lot = [
        f"lot {literal(unit.lot, 16)}" if unit.lot else "",
        f"serial {literal(unit.serial, 20)}" if unit.serial else "",
    ]
    if unit.expiry is not None:
        expired = unit.expiry < now.date()
        lot.append(f"expiry {unit.expiry.isoformat()}" + (" EXPIRED" if expired else ""))
    line = "  ".join(p for p in lot if p)
    if line:
        text.append("\n" + line, style=STYLE_BAD if "EXPIRED" in line else "")
    ids = [
        f"GTIN {literal(unit.gtin, 14)}" if unit.gtin else "",
        f"SSCC {literal(unit.sscc, 18)}" if unit.sscc else "",
    ]
    if any(ids):
        text.append("\n" + "  ".join(p for p in ids if p), style="dim")
    return text


def history_row(event: Event, now: datetime, wide: bool) -> Text:
    arrow = " > " if wide else ">"  # 40 columns: room for "appr 2002" at the end
    moved = (
        f"{literal(event.from_location or '-', 10)}{arrow}{literal(event.to_location or '-', 10)}"
    )
    text = Text(no_wrap=True, overflow="crop")
    text.append(event.occurred_at.astimezone(now.tzinfo).strftime("%H:%M"))
    text.append(f" {event.type.value:<{8 if wide else 7}}", style="bold")
    text.append(f" {moved}")
    if event.quantity is not None and wide:
        text.append(f" x{event.quantity}")
    text.append(f" {literal(event.operator or '-', 10)}")
    if event.approved_by:
        text.append(f" {'approved by' if wide else 'appr'} {literal(event.approved_by, 10)}")
        if event.overrides and wide:
            text.append(f" ({literal(', '.join(event.overrides), 40)})")
    if event.reason and wide:
        text.append(f" ({literal(event.reason, 30)})", style="dim")
    return text


class UnitScreen(FloorScreen):
    HEADING = "UNIT"
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, STAGE, LANES, UNIT, QUIT)
    OPENS_UNITS = True
    PLACEHOLDER = "scan or type a unit code"

    def __init__(
        self,
        site: Site,
        code: str | None = None,
        note: str | None = None,
        *,
        aging: AgingThresholds = AGING,
    ) -> None:
        super().__init__(site)
        self.aging = aging
        self.code = code
        self.note = note  # why the scan found no single unit
        self.view: UnitView | None = None

    def body(self) -> Iterable[Widget]:
        yield Static(
            Text("Scan or type a unit code, then Enter."), id="unit-facts", classes="summary"
        )
        yield RowList(id="history", empty="")

    def open(self, code: str, note: str | None = None) -> None:
        self.code, self.note = code, note
        self.load()

    def fetch(self) -> UnitView | None:
        if self.code is None:
            return None
        views = self.site.views
        return UnitView(self.code, views.unit_detail(self.code), views.now())

    def show(self, data: UnitView | None) -> None:
        self.view = data
        self.draw()

    def draw(self) -> None:
        view = self.view
        if view is None:
            return
        summary = self.query_one("#unit-facts", Static)
        rows = self.query_one(RowList)
        if view.detail is None:
            note = self.note or f"No unit {view.code} here."
            summary.update(Text(f"X {literal(note, 200)}", style="bold"))
            rows.show([])
            return
        wide = self.size.width >= WIDE
        summary.update(facts(view.detail, view.now, self.aging))
        history: list[Row] = []
        day = None
        for event in reversed(view.detail.history):
            local = event.occurred_at.astimezone(view.now.tzinfo)
            if local.date() != day:
                day = local.date()
                history.append(Row(None, Text(local.strftime("%a %d %b %Y"), style="dim")))
            history.append(Row(None, history_row(event, view.now, wide)))
        heading = Text(f" HISTORY, newest first ({len(view.detail.history)})", style=STYLE_HEAD)
        rows.show(history, heading, keep=False)

    def on_resize(self) -> None:
        self.draw()
