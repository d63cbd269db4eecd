"""Health, for leads (SPEC §6b, §8): the buffer now against the start of the shift and a
sparkline of it hour by hour, the alerts no lead has acknowledged yet (Ctrl-R acknowledges
the highlighted one, for every lead), dwell p50/p90 per lane over the shift, and the
re-coordination tasks where the site has them.

In ASCII mode the sparkline is drawn with ASCII marks instead of Textual's block characters.
With `read_only` (the browser board, `stageterm serve`) nothing is acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from stageterm.tui.keys import ACK, HELP, LANES, QUIT, STAGE, Key
from stageterm.tui.look import STYLE_BAD, STYLE_HEAD, cells, clock, dwell, literal
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.domain.model import Operator
    from stageterm.services.health import PlaceHealth, ShiftHealth
    from stageterm.services.site import Site

WIDE = 60
ASCII_MARKS = "_.,-~=+*#"  # low to high: nine heights, no block characters
ALERT_KEY = "alert:"


def ascii_sparkline(values: list[int], width: int) -> str:
    """`values` as `width` ASCII marks, each value spread over an equal share of the width."""
    if not values or width <= 0:
        return ""
    top = max(values) or 1
    marks = [ASCII_MARKS[round(v / top * (len(ASCII_MARKS) - 1))] for v in values]
    return "".join(marks[i * len(marks) // width] for i in range(width))


@dataclass(frozen=True)
class HealthData:
    health: ShiftHealth
    tasks: list[Any]


def buffer_line(health: ShiftHealth, wide: bool) -> Text:
    start, now = health.buffer_at_start, health.buffer_now
    change = now - start
    since = clock(health.start, health.now)
    text = Text(no_wrap=True, overflow="crop")
    text.append(f"Buffer {now}", style="bold")
    text.append(f" now, {start} at {since} ({change:+d})")
    if wide:
        text.append(f"; sparkline {since} to {clock(health.now, health.now)}")
    return text


def place_row(place: PlaceHealth, wide: bool) -> Text:
    if wide:
        return cells(
            (literal(place.code, 10), 10),
            (str(place.units_now), -5),
            (str(place.units_at_start), -5),
            (dwell(place.dwell_p50_s), -6),
            (dwell(place.dwell_p90_s), -6),
        )
    return cells(
        (literal(place.code, 9), 9),
        (f"{place.units_at_start}>{place.units_now}", -7),
        (dwell(place.dwell_p50_s), -5),
        (dwell(place.dwell_p90_s), -5),
    )


def place_header(wide: bool) -> Text:
    if wide:
        text = cells(("LANE", 10), ("NOW", -5), ("START", -5), ("P50", -6), ("P90", -6))
    else:
        text = cells(("LANE", 9), ("WAS>NOW", -7), ("P50", -5), ("P90", -5))
    text.stylize(STYLE_HEAD)
    return text


def task_text(task: Any) -> str:
    """A re-coordination task in a line, from the fields SPEC §6a names (whatever its type)."""
    kind = getattr(task, "kind", "task")
    unit = getattr(task, "unit", "")
    suggested = list(getattr(task, "suggested", ()) or ())
    where = f" > {suggested[0]}" if suggested else ""
    return literal(f"{getattr(kind, 'value', kind)} {unit}{where}", 60)


class HealthScreen(FloorScreen):
    HEADING = "HEALTH"
    KEYS: ClassVar[tuple[Key, ...]] = (ACK, HELP, STAGE, LANES, QUIT)  # ack first: kept at 40
    OPENS_UNITS = True
    PLACEHOLDER = "scan a unit to open it"
    BINDINGS: ClassVar[list[BindingType]] = [ACK.binding()]

    def __init__(
        self,
        site: Site,
        operator: Operator | None,
        *,
        ascii: bool = False,
        read_only: bool = False,
    ) -> None:
        super().__init__(site)
        self.operator = operator  # the lead who acknowledges; None: the read-only board
        # Leads and admins see the figures (and the browser board, which acknowledges nothing).
        self.allowed = read_only or (operator is not None and operator.may_approve())
        self.ascii = ascii
        self.read_only = read_only
        self.data: HealthData | None = None

    def body(self) -> Iterable[Widget]:
        yield Static("Loading health...", id="health-buffer", classes="summary")
        if self.ascii:
            yield Static("", id="health-spark", classes="spark")
        else:
            yield Sparkline([], id="health-spark", classes="spark")
        yield RowList(id="health-rows", empty="Nothing staged this shift.")

    def fetch(self) -> HealthData | None:
        if not self.allowed:
            return None
        tasks_of = getattr(self.site.views, "tasks", None)  # the master-data work adds it
        tasks = list(tasks_of()) if callable(tasks_of) else []
        return HealthData(self.site.health.shift(), tasks)

    def show(self, data: HealthData | None) -> None:
        if data is None:
            self.query_one("#health-buffer", Static).update(
                Text("Health is for leads and admins.", style="bold")
            )
            rows = self.query_one(RowList)
            rows.empty = ""
            rows.show([])
            return
        self.data = data
        self.draw()

    def draw(self) -> None:
        data = self.data
        if data is None:
            return
        health = data.health
        wide = self.size.width >= WIDE
        self.query_one("#health-buffer", Static).update(buffer_line(health, wide))
        spark = self.query_one("#health-spark")
        if isinstance(spark, Sparkline):
            spark.data = [float(v) for v in health.buffer]
        elif isinstance(spark, Static):
            spark.update(Text(ascii_sparkline(health.buffer, max(1, spark.size.width or 38))))
        rows: list[Row] = []
        if health.alerts:
            hint = "" if self.read_only else f" ({ACK.ctrl_shown} acks)"
            rows.append(Row(None, Text(f"ALERTS {len(health.alerts)}{hint}", style=STYLE_HEAD)))
            for alert in health.alerts:
                line = Text(no_wrap=True, overflow="crop")
                line.append("!! ", style=STYLE_BAD)
                line.append(f"{alert.since:%H:%M} " if wide else "")
                line.append(literal(alert.message, 100))
                rows.append(Row(f"{ALERT_KEY}{alert.id}", line))
        rows.append(Row(None, place_header(wide)))
        rows.extend(Row(f"lane:{p.code}", place_row(p, wide)) for p in health.places)
        if data.tasks:
            rows.append(Row(None, Text(f"TASKS {len(data.tasks)}", style=STYLE_HEAD)))
            rows.extend(Row(None, Text(task_text(t), no_wrap=True)) for t in data.tasks)
        self.query_one(RowList).show(rows)

    def on_resize(self) -> None:
        self.draw()

    def action_acknowledge(self) -> None:
        if self.read_only:
            self.flash("Read-only: acknowledge at a terminal.")
            return
        alerts = self.data.health.alerts if self.data else []
        if not alerts:
            self.flash("No alert to acknowledge.")
            return
        key = self.query_one(RowList).current_key or ""
        chosen = int(key.removeprefix(ALERT_KEY)) if key.startswith(ALERT_KEY) else alerts[0].id
        self.run_worker(
            lambda: self._acknowledge(chosen),
            thread=True,
            group="acknowledge",
            name="acknowledge alert",
            exit_on_error=False,
        )

    def _acknowledge(self, alert_id: int) -> None:
        from stageterm.services.results import Denied

        try:
            badge = self.operator.badge if self.operator else None
            shown = self.site.alerts.acknowledge(alert_id, badge)
        except Denied as denied:  # the rule is the use case's; the screen only says it
            self.app.call_from_thread(self.flash, denied.message)
            return
        self.app.call_from_thread(self.flash, f"Acknowledged for every lead: {shown.subject}.")
        self.app.call_from_thread(self.load)
