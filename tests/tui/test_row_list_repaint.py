"""Issue #17, the lanes board refresh: a list paints again only the lines whose text
changed. A move elsewhere repaints that lane's line (not the twenty in view), a highlight
moved by one repaints two lines, the same rows shown again repaint none; what is on screen
is always the new text. Drawn a line at a time, the lists (and the scan log) still let the
mouse select and copy what they show, and keep the highlight in view when they shrink."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widgets import Static
from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.services.site import Site
from stageterm.tui.widgets.notes import show_text
from stageterm.tui.widgets.rows import Row, RowList
from stageterm.tui.widgets.scanlog import ScanLog


@pytest.fixture
def painted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """The lines each list (by id) rendered, in order."""
    lines: dict[str, list[int]] = {}
    render_line = RowList.render_line

    def spied(rows: RowList, y: int) -> Strip:
        lines.setdefault(rows.id or "", []).append(y)
        return render_line(rows, y)

    monkeypatch.setattr(RowList, "render_line", spied)
    return lines


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RowList(id="list")


def numbered(count: int, changed: dict[int, str] | None = None) -> list[Row]:
    changed = changed or {}
    return [Row(f"k{i}", Text(changed.get(i, f"row {i:02d}"))) for i in range(count)]


async def test_only_the_lines_that_changed_are_painted_again(painted: dict[str, list[int]]) -> None:
    app = ListApp()
    async with app.run_test(size=(30, 10)) as pilot:
        rows = app.query_one(RowList)
        rows.show(numbered(30))
        await pilot.pause()
        text = screen_text(app)
        assert ">row 00" in text and " row 08" in text and "1-9 of 30" in text

        painted.clear()
        rows.show(numbered(30))  # the same rows again (a refresh with nothing new in view)
        await pilot.pause()
        assert painted.get("list", []) == []

        rows.show(numbered(30, {3: "row 03 changed"}))
        await pilot.pause()
        assert painted["list"] == [3]
        assert " row 03 changed" in screen_text(app).splitlines()[3]

        painted.clear()
        rows.move(1)  # the highlight: from line 0 to line 1
        await pilot.pause()
        assert sorted(painted["list"]) == [0, 1]
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" row 00") and lines[1].startswith(">row 01")

        painted.clear()
        rows.page(1)  # scrolled: every line says something else
        await pilot.pause()
        assert sorted(set(painted["list"])) == list(range(10))
        assert "of 30" in screen_text(app) and "1-9 of 30" not in screen_text(app)


async def test_a_line_that_reads_the_same_keeps_its_rendering_but_a_new_size_does_not() -> None:
    app = ListApp()
    async with app.run_test(size=(30, 10)) as pilot:
        rows = app.query_one(RowList)
        rows.show(numbered(5, {1: "a long line that the narrow screen crops"}))
        await pilot.pause()
        assert "a long line that the narrow" in screen_text(app)
        await pilot.resize_terminal(50, 10)
        await until(pilot, lambda: "the narrow screen crops" in screen_text(app))
        await pilot.resize_terminal(20, 10)
        await until(pilot, lambda: "the narrow screen crops" not in screen_text(app))
        assert " a long line that t" in screen_text(app)


async def test_a_move_elsewhere_repaints_only_its_lane_on_the_board(
    make_app: Any, other_terminal: Site, painted: dict[str, list[int]]
) -> None:
    # A unit out of a lane that keeps its other units, its oldest and its earliest due:
    # only that lane's counts change.
    lane, unit = next(
        (lane.lane.code, staged[1].unit.code)
        for lane in other_terminal.views.queue("customer")
        if lane.units >= 3
        for _, staged in [other_terminal.views.lane(lane.lane.code)]  # type: ignore[misc]
        if len({s.order.due_at if s.order else None for s in staged}) == 1
    )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        text = await shows(pilot, "L-04", "45 units")
        before = next(i for i, line in enumerate(text.splitlines()) if f" {lane} " in line)
        await pilot.pause(0.3)
        painted.clear()
        assert other_terminal.moves.move(unit, "S-04", "1002").outcome.value == "moved"
        await until(pilot, lambda: "44 units" in screen_text(app), timeout=6, what="the refresh")
        await pilot.pause(0.2)
        board = app.screen.query_one(RowList)
        assert painted["board"] == [before - board.region.y]
        lines = screen_text(app).splitlines()
        assert f" {lane} " in lines[before] and lines[before] != text.splitlines()[before]


async def drag(pilot: Any, start: tuple[int, int], end: tuple[int, int]) -> None:
    """The mouse brought to `start` (screen cells), pressed, moved and let go at `end`."""
    app = pilot.app
    await pilot.hover(offset=start)  # a mouse is over a line before it presses there
    await pilot.pause(0.05)
    await pilot.mouse_down(offset=start)
    for x, y in (start, ((start[0] + end[0]) // 2, end[1]), end):
        move = events.MouseMove(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y)
        app.post_message(move)
        await pilot.pause(0.05)
    await pilot.mouse_up(offset=end)
    await pilot.pause(0.1)


async def test_the_mouse_selects_and_copies_board_lines(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        text = await shows(pilot, "L-04")
        lines = text.splitlines()
        y = next(i for i, line in enumerate(lines) if " L-05 " in line)
        await drag(pilot, (10, y), (30, y + 1))
        board = app.screen.query_one(RowList)
        selection = app.screen.selections.get(board)
        assert selection is not None and selection.start is not None
        assert selection.start.y == y - board.region.y
        copied = app.screen.get_selected_text()
        assert copied is not None and copied.startswith("L-05") and "\n" in copied
        assert copied.splitlines()[1] == lines[y + 1][: len(copied.splitlines()[1])]


async def test_the_mouse_selects_and_copies_scan_log_lines(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        post_keys(app, "L-04\rU00003\rNOPE-1\r")
        text = await shows(pilot, "U00003 to L-04", "NOPE-1")
        log = app.screen.query_one(ScanLog)
        y = log.region.y  # the newest entry first
        await drag(pilot, (log.region.x, y), (log.region.x + 60, y + 1))
        copied = app.screen.get_selected_text()
        assert copied is not None and "NOPE-1" in copied.splitlines()[0]
        assert "U00003" in copied.splitlines()[1], (copied, text)


class ListAndLegend(App[None]):
    CSS = "RowList { height: 1fr; } Static { height: auto; }"

    def compose(self) -> ComposeResult:
        yield RowList(id="list")
        yield Static("one line", id="legend")


async def test_a_list_that_shrinks_keeps_its_highlight_in_view() -> None:
    app = ListAndLegend()
    async with app.run_test(size=(40, 10)) as pilot:
        rows = app.query_one(RowList)
        rows.show(numbered(30))
        await pilot.pause()
        rows.move(7)  # the last row in view (nine lines: eight rows and "more")
        await pilot.pause()
        assert ">row 07" in screen_text(app)
        # The legend wraps to three lines: the list loses two.
        show_text(app.query_one(Static), Text("a legend long enough to wrap " * 3))
        await until(pilot, lambda: rows.size.height == 7, what="the list to shrink")
        await until(pilot, lambda: ">row 07" in screen_text(app), what="the highlight in view")


async def test_a_line_wider_than_the_list_is_cut_not_wrapped() -> None:
    app = ListApp()
    async with app.run_test(size=(20, 6)) as pilot:
        rows = app.query_one(RowList)
        rows.empty = "Nothing staged in this lane this shift."
        rows.show([], Text("HEADER THAT IS LONGER THAN TWENTY"))
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert lines[0] == "HEADER THAT IS LONGE"
        assert lines[1] == "Nothing staged in th"
        assert lines[2].strip() == ""
