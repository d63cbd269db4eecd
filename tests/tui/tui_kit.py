"""Helpers for driving the floor terminal under Pilot: fast key bursts, screen text, waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot

from stageterm.config.model import Settings

# The settings the terminal tests run the app with: no idle sign-out, Unicode lines.
SETTINGS = Settings(idle_minutes=0, ascii=False)

TERMINATOR_KEYS = {"\r": "enter", "\n": "ctrl+j", "\t": "tab"}


def key_event(char: str) -> events.Key:
    """The Key event a terminal's input parser makes for one character."""
    if char in TERMINATOR_KEYS:
        return events.Key(TERMINATOR_KEYS[char], char)
    return events.Key(_character_to_key(char), char)


def post_keys(app: App[object], text: str) -> None:
    """Every character as a key event, posted at once without waiting for any: a scanner burst."""
    for char in text:
        app.post_message(key_event(char))


async def type_keys(app: App[object], text: str, gap: float = 0.001) -> None:
    """Characters at a scanner's pace: `gap` seconds apart, never waiting for the app."""
    for char in text:
        app.post_message(key_event(char))
        await asyncio.sleep(gap)


def screen_text(app: App[object]) -> str:
    """What the terminal shows now, as lines of text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def until(
    pilot: Pilot[object], check: Callable[[], object], timeout: float = 5.0, what: str = ""
) -> None:
    """Let the app run until `check()` is true (or fail after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(
                f"timed out waiting for {what or check}:\n{screen_text(pilot.app)}"
            )
        await pilot.pause(0.02)


async def shows(pilot: Pilot[object], *texts: str, timeout: float = 5.0) -> str:
    """Wait until the screen shows every one of `texts`; returns the screen."""
    await until(
        pilot,
        lambda: all(t in screen_text(pilot.app) for t in texts),
        timeout,
        f"screen to show {texts}",
    )
    return screen_text(pilot.app)


def post_bytes(app: App[object], data: str) -> None:
    """`data` as a terminal sends it, read by Textual's own input parser (escape sequences
    and all) and every event posted at once: a scanner burst, byte for byte."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    for message in [*parser.feed(data), *parser.feed("")]:  # "" ends it: a lone ESC is sent
        app.post_message(message)


async def signed_in(pilot: Pilot[object], badge: str = "1001") -> None:
    """Scan `badge` at the sign-in screen and wait until the stage screen is up with its scan
    log composed (the screen is pushed a frame before its children are mounted)."""
    from stageterm.tui.screens.stage import StageScreen

    post_keys(pilot.app, f"{badge}\r")
    await until(
        pilot,
        lambda: isinstance(pilot.app.screen, StageScreen) and bool(pilot.app.screen.query("#log")),
        what="the stage screen",
    )
