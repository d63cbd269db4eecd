"""The buffers screen (work in process per operation) and the keys that act on the unit on
screen: Ctrl-U releases (quality only), F12 / Ctrl-P prints. VT220 keyboards: Ctrl keys."""

from __future__ import annotations

import socket
import threading

import pytest
from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.config.model import Settings
from stageterm.domain.model import Quality
from stageterm.services.site import Site
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.buffers import BuffersScreen
from stageterm.tui.screens.unit import UnitScreen


def entries(app) -> int:
    return len(app.stage.query_one("#log").entries)


async def scan(pilot, raw: str) -> None:
    before = entries(pilot.app)
    post_keys(pilot.app, raw + "\r")
    await until(pilot, lambda: entries(pilot.app) > before, what=f"the answer to {raw}")


@pytest.mark.parametrize("key", ["f11", "ctrl+f"])
async def test_buffers_screen_shows_wip_per_operation(make_app, size, key: str) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await signed_in(pilot)
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, BuffersScreen), what="buffers")
        text = await shows(pilot, "BUFFERS", "B-HT", "machin", "5/6", "U00149")
        lines = text.splitlines()
        # Oldest first: U00149 (5 h) before U00150 (4h10) before U00168 (1h10).
        order = [
            next(i for i, line in enumerate(lines) if code in line)
            for code in ("U00149", "U00150", "U00168")
        ]
        assert order == sorted(order)
        assert "!" in next(line for line in lines if "U00149" in line)  # 5 h: aging
        if size[0] >= 80:
            assert "5h00" in text and "B-PAINT" in text and "4/4 FULL" in text
        await pilot.press("enter")  # the highlighted unit (the oldest) opens
        await until(pilot, lambda: isinstance(app.screen, UnitScreen), what="the unit")
        await shows(pilot, "U00149")


async def test_release_key_at_a_vt220(make_app, services: Site, monkeypatch) -> None:
    monkeypatch.setenv("TERM", "vt220")
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await signed_in(pilot, "3001")  # quality
        assert services.views.unit("U00041").quality is Quality.HOLD
        await scan(pilot, "U00041")
        before = entries(app)
        await pilot.press("ctrl+u")
        await until(pilot, lambda: entries(app) > before, what="the release")
        assert services.views.unit("U00041").quality is Quality.RELEASED
        await shows(pilot, "U00041")


async def test_release_key_is_for_quality_only(make_app, services: Site) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, "1001")
        await scan(pilot, "U00041")
        before = entries(app)
        await pilot.press("ctrl+u")
        await until(pilot, lambda: entries(app) > before, what="the refusal")
        assert services.views.unit("U00041").quality is Quality.HOLD
        await shows(pilot, "this needs quality")


async def test_print_key_without_a_printer_says_how(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await scan(pilot, "U00003")
        before = entries(app)
        await pilot.press("f12")
        await until(pilot, lambda: entries(app) > before, what="the answer")
        await shows(pilot, "No printer set here", "stageterm label U00003")


async def test_print_key_sends_the_label_to_the_printer(demo_store, clock) -> None:
    """A loopback listener stands in for the printer (raw TCP, as port 9100)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            while chunk := connection.recv(65536):
                received.append(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    settings = Settings(idle_minutes=0, ascii=False, printer=f"127.0.0.1:{port}")
    site = Site(demo_store, terminal="tui-print", settings=settings, clock=clock)
    app = StagetermApp(site=site, settings=settings)
    try:
        async with app.run_test(size=(40, 16)) as pilot:
            await signed_in(pilot)
            await scan(pilot, "U00003")
            before = entries(app)
            await pilot.press("ctrl+p")
            await until(pilot, lambda: entries(app) > before, what="the answer")
            await shows(pilot, "U00003")
            thread.join(10)
            assert b"^XA" in b"".join(received)  # a ZPL label
            assert "sent to" in screen_text(app)
    finally:
        listener.close()
