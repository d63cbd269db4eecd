"""The lanes board: every lane's units, quantity, capacity use, oldest dwell and earliest
due, grouped by customer, by route or by carrier (the toggle cycles in that order), groups and lanes in order of earliest due.

A unit scanned here opens the unit; Enter on the empty scan field opens the highlighted
lane. Reloads whenever the site's event counter moves (any terminal).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from stageterm.domain.metrics import AgingThresholds
from stageterm.tui.keys import GROUP, HELP, KITTING, QUIT, STAGE, UNIT, Key
from stageterm.tui.look import (
    AGING,
    STYLE_BAD,
    STYLE_HEAD,
    aging,
    capacity,
    cells,
    clock,
    dwell,
    literal,
    span,
)
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.screens.lane import LaneScreen
from stageterm.tui.widgets.notes import show_text
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.services.site import Site
    from stageterm.services.views import LaneFigures, LaneQueue

GROUPS = ("customer", "route", "carrier")  # the toggle's cycle (views.GROUP_KEYS, kept light)
WIDE = 60  # columns from which the board shows every column
FAR = datetime.max.replace(tzinfo=UTC)  # no due: last (dues are read in UTC)


@dataclass(frozen=True)
class Board:
    lanes: list[LaneQueue]  # in board order (see `ordered`)
    now: datetime
    by: str
    tasks: dict[str, int] = field(default_factory=dict)  # lane -> open re-coordination tasks
    figures: LaneFigures | None = None  # what the lanes were read from, for the next read


def ordered(lanes: list[LaneQueue], by: str) -> list[LaneQueue]:
    """Groups by their earliest due, lanes within a group by theirs, then by code."""
    # Each lane's key made once (not once a comparison): a refresh sorts 500 lanes.
    groups: dict[str, list[tuple[datetime, str, LaneQueue]]] = {}
    by_group = attrgetter(by)
    for q in lanes:
        due = q.earliest_due or FAR
        groups.setdefault(by_group(q.lane) or "", []).append((due, q.lane.code, q))
    for members in groups.values():
        members.sort(key=_due_and_code)
    order = sorted(groups, key=lambda g: (groups[g][0][0], g == "", g))
    return [member[2] for g in order for member in groups[g]]


_due_and_code = itemgetter(0, 1)


def due_cell(shown: str) -> str:
    """Five characters: the time when due today ("14:30"), else the day ("03Dec")."""
    return shown if len(shown) <= 5 else shown[:6].replace(" ", "")


def lane_row(
    q: LaneQueue,
    by: str,
    first_in_group: bool,
    now: datetime,
    wide: bool,
    thresholds: AgingThresholds = AGING,
    tasks: int = 0,
) -> Text:
    group = literal(getattr(q.lane, by) or "-", 12) if first_in_group else ""
    # A lane with units to re-coordinate (their order changed) is marked `*` and, where
    # there is room, counted: "L-04*2".
    lane = literal(q.lane.code, 8) + (("*" + str(tasks)) if wide else "*") * bool(tasks)
    cap_text, cap_style = capacity(q.units, q.lane.capacity)
    mark, word, age_style = aging(q.oldest_dwell_s, thresholds) if q.units else ("", "", None)
    due = due_cell(clock(q.earliest_due, now)) if q.earliest_due else "-"
    due_style = STYLE_BAD if q.earliest_due and q.earliest_due < now else None
    if wide:
        return cells(
            (group, 8), (lane, 6), (str(q.units), -5), (str(q.quantity), -6),
            (cap_text, 10, cap_style), (dwell(q.oldest_dwell_s) if q.units else "-", -6),
            (f"{mark}{word}".strip() if q.units else "", 8, age_style), (due, 5, due_style),
        )  # fmt: skip
    return cells(
        (group, 5), (lane, 5), (cap_text, 10, cap_style),
        (dwell(q.oldest_dwell_s) if q.units else "-", -5), (mark, 2, age_style), (due, 5, due_style),
    )  # fmt: skip


def header(by: str, wide: bool) -> Text:
    group = by.upper()
    if wide:
        text = cells(
            (group, 8),
            ("LANE", 6),
            ("UNITS", -5),
            ("QTY", -6),
            ("CAP", 10),
            ("OLDEST", -6),
            ("AGE", 8),
            ("DUE", 5),
        )
    else:
        text = cells(
            (group[:4], 5), ("LANE", 5), ("UNITS/CAP", 10), ("OLD", -5), ("!", 2), ("DUE", 5)
        )
    text.stylize(STYLE_HEAD)
    return Text(" ").append_text(text)


class LanesScreen(FloorScreen):
    HEADING = "LANES"
    KEYS: ClassVar[tuple[Key, ...]] = (
        GROUP,
        HELP,
        STAGE,
        UNIT,
        KITTING,
        QUIT,
    )  # the toggle first: kept at 40 columns
    OPENS_UNITS = True
    PLACEHOLDER = "scan a unit to open it"
    BINDINGS: ClassVar[list[BindingType]] = [GROUP.binding()]

    @dataclass
    class Grouped(Message):
        """The board is now grouped `by` this key (the app keeps it for the next visit)."""

        by: str

    def __init__(self, site: Site, by: str = "customer", aging: AgingThresholds = AGING) -> None:
        super().__init__(site)
        self.aging = aging
        self._by = by
        self.board: Board | None = None
        self.legend = ""

    @property
    def by(self) -> str:
        return self._by

    def body(self) -> Iterable[Widget]:
        yield RowList(id="board", empty="Loading lanes...")
        yield Static("", id="legend", classes="legend")

    def fetch(self) -> Board:
        by = self.by
        views = self.site.views
        # Only the lanes touched since the last read are read again (`Views.lane_figures`).
        figures, tasks = views.board(self.board.figures if self.board is not None else None)
        lanes = ordered(views.queue(by, figures), by)  # sorted here, off the UI thread
        return Board(lanes, self.site.now(), by, tasks, figures)

    def show(self, data: Board) -> None:
        self.board = data
        self.draw()

    def draw(self) -> None:
        board = self.board
        if board is None:
            return
        wide = self.size.width >= WIDE
        rows: list[Row] = []
        previous: str | None = None
        for q in board.lanes:
            group = getattr(q.lane, board.by) or ""
            tasks = board.tasks.get(q.lane.code, 0)
            rows.append(
                Row(
                    q.lane.code,
                    partial(
                        lane_row, q, board.by, group != previous, board.now, wide, self.aging, tasks
                    ),
                    on_top=partial(lane_row, q, board.by, True, board.now, wide, self.aging, tasks),
                )
            )
            previous = group
        self.query_one(RowList).show(rows, header(board.by, wide))
        staged = sum(q.units for q in board.lanes)
        waiting = sum(board.tasks.values())
        to_do = f" * {waiting} to re-coordinate." if waiting else ""
        aging_after, old_after = span(self.aging.aging_s), span(self.aging.old_s)
        if wide:
            legend = (
                f"{len(board.lanes)} lanes, {staged} units. ! aging >{aging_after}  "
                f"!! old >{old_after}. By {board.by}, earliest due first.{to_do}"
            )
        else:
            legend = f"{staged} units. ! >{aging_after}  !! >{old_after}.{to_do or ' Due first.'}"
        if legend != self.legend:  # an unchanged legend costs no layout pass
            self.legend = legend
            show_text(self.query_one("#legend", Static), Text(legend))

    def on_resize(self) -> None:
        self.draw()

    def action_toggle_group(self) -> None:
        self._by = GROUPS[(GROUPS.index(self.by) + 1) % len(GROUPS)]
        self.post_message(self.Grouped(self._by))
        self.load()

    def on_row_list_chosen(self, message: RowList.Chosen) -> None:
        self.app.push_screen(LaneScreen(self.site, message.key, self.aging))
