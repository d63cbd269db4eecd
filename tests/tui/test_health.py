"""The health screen for leads (SPEC §6b, §8) and alerts on every lead's screen, under Pilot
at 80x24 and 40x16 (ASCII mode and a VT220 keyboard included), on the demo site."""

from __future__ import annotations

from sqlalchemy import text
from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.services.site import Site
from stageterm.tui.screens.health import ASCII_MARKS, HealthScreen, ascii_sparkline
from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.stage import StageScreen


def acked(site: Site) -> list[tuple[str, str]]:
    with site.store.read() as session:
        rows = session.connection().execute(
            text("SELECT subject, acked_by FROM alerts WHERE acked_by IS NOT NULL ORDER BY id")
        )
        return [(r.subject, r.acked_by) for r in rows]


async def test_a_lead_sees_buffer_dwell_and_alerts_and_acknowledges_one_for_all(
    make_app, size, other_terminal: Site
) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot, "2001")
        # Three alerts wait on the demo morning: the title bar says so on every screen.
        await shows(pilot, "3 ALERTS")
        await pilot.press("ctrl+w")
        await until(pilot, lambda: isinstance(app.screen, HealthScreen))
        shown = await shows(pilot, "Buffer 57", "ALERTS 3", "L-09")
        assert "6 at 01:00 (+51)" in shown
        assert "Lane L-09: oldest unit waiting 9h00." in shown
        if size[0] >= 80:
            # The busiest lane first, with its shift's dwell p50 and p90.
            row = next(line for line in shown.splitlines() if line.lstrip(" >").startswith("L-05"))
            assert row.split()[-4:] == ["7", "0", "4h28", "4h47"]
        # The highlight is on the first alert (L-09): ^R acknowledges it for every lead.
        await pilot.press("ctrl+r")
        await shows(pilot, "ALERTS 2", "Acknowledged")
        assert acked(other_terminal) == [("L-09", "2001")]
        assert "L-09: oldest" not in screen_text(app)
        assert [a.subject for a in other_terminal.alerts.unacknowledged()] == ["SO-1001", "L-03"]


async def test_an_operator_gets_no_health_and_acknowledges_nothing(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot, "1001")
        await pilot.pause(0.3)
        assert "ALERT" not in screen_text(app)  # alerts are for leads
        await pilot.press("ctrl+w")
        shown = await shows(pilot, "Health is for leads")
        assert "Buffer" not in shown and "L-09" not in shown
        await pilot.press("ctrl+r")
        await pilot.pause(0.3)
        assert acked(app.site) == []


async def test_ascii_vt220_at_40x16_draws_an_ascii_sparkline(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TERM", "vt220")
    app = make_app(ascii=True)
    async with app.run_test(size=(40, 16)) as pilot:
        post_keys(app, "2002\r")  # a lead with a PIN
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the PIN prompt")
        post_keys(app, "2468\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="the stage screen")
        await pilot.press("ctrl+w")  # no function key left for it: Ctrl-W works everywhere
        shown = await shows(pilot, "Buffer 57", "(^R acks)", "WAS>NOW")
        bad = sorted({c for c in shown if not c.isascii()})
        assert not bad, f"non-ASCII {bad} in:\n{shown}"
        spark = shown.splitlines()[2]
        assert set(spark.strip()) <= set(ASCII_MARKS) and spark.strip().endswith("#")


def test_the_ascii_sparkline_spreads_the_values_over_the_width() -> None:
    assert ascii_sparkline([0, 4, 8], 6) == "__~~##"
    assert ascii_sparkline([], 5) == ""
    assert ascii_sparkline([0, 0], 3) == "___"
