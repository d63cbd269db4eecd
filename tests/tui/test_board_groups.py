"""The lanes board grouped by carrier (the toggle's third step), and the aging words from
the site's settings (STAGETERM_AGING_MINUTES, STAGETERM_OLD_MINUTES), not fixed ones."""

from __future__ import annotations

from tui_kit import screen_text, shows, signed_in, until

from stageterm.tui.screens.lanes import LanesScreen


async def test_the_toggle_cycles_customer_route_carrier(make_app, size) -> None:
    app = make_app()
    wide = size[0] >= 80
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        await shows(pilot, "CUSTOMER" if wide else "CUST ")
        await pilot.press("ctrl+r")
        await shows(pilot, "ROUTE" if wide else "ROUT ")
        await pilot.press("ctrl+r")
        text = await shows(pilot, "CARRIER" if wide else "CARR ")
        assert app.lanes_by == "carrier"
        # Grouped: the carrier is named on the first lane of its group, DHL's lanes together.
        rows = [line for line in text.splitlines() if " L-" in line]
        carriers = [word for line in rows for word in ("DHL", "DSV") if word in line]
        assert sorted(carriers) == ["DHL", "DSV"], text
        await pilot.press("ctrl+r")
        await shows(pilot, "CUSTOMER" if wide else "CUST ")


def lane_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if " L-" in line]


async def test_aging_words_follow_the_settings(make_app, size) -> None:
    """Every lane with units is OLD when the site says old after 2 minutes."""
    app = make_app(aging_minutes=1, old_minutes=2)
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        text = await shows(pilot, "L-02", ">1m", ">2m")  # the legend says the site's limits
        assert isinstance(app.screen, LanesScreen)
        l02 = next(line for line in lane_lines(text) if " L-02 " in line)
        assert "!!" in l02
        if size[0] >= 80:
            assert "!!OLD" in l02
            assert not any("AGING" in line or " ok " in line for line in lane_lines(text))


async def test_nothing_ages_when_the_site_allows_long_dwell(make_app) -> None:
    app = make_app(aging_minutes=6000, old_minutes=9000)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        text = await shows(pilot, "L-02", "aging >100h", "old >150h")
        lanes = lane_lines(text)
        assert lanes and not any("!" in line for line in lanes), text
        assert any(" ok" in line for line in lanes)


async def test_scrolled_board_names_the_group_of_its_first_row(make_app) -> None:
    """40x16: twelve lanes do not fit; scrolled down, the top row still says its group."""
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot)
        await pilot.press("f3")
        await shows(pilot, "L-02")
        board = app.screen.query_one("#board")
        for _ in range(11):
            await pilot.press("down")
        await until(pilot, lambda: board.top > 0, what="the board to scroll")
        await pilot.pause(0.2)
        lines = lane_lines(screen_text(app))
        top = lines[0]
        assert top[1:6].strip(), f"no group on the first row in view: {top!r}"
        groups = {q.lane.code: q.lane.customer for q in app.screen.board.lanes}
        code = next(word for word in top.split() if word.startswith("L-"))
        assert (groups[code] or "-")[:5] in top
