"""The scan field on its own: scanner bursts end on CR, LF or Tab, never merge, never lose
a character; a CR LF suffix is not an acknowledgement; GS survives; a paste splits."""

from __future__ import annotations

import random
import string

from textual.app import App, ComposeResult
from tui_kit import key_event, post_keys, type_keys, until

from stageterm.tui.widgets.scanfield import GS, ScanField


class FieldApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.scans: list[str] = []
        self.confirms = 0

    def compose(self) -> ComposeResult:
        yield ScanField(id="scan")

    def on_mount(self) -> None:
        self.query_one(ScanField).focus()

    def on_scan_field_scanned(self, message: ScanField.Scanned) -> None:
        self.scans.append(message.raw)

    def on_scan_field_confirmed(self, message: ScanField.Confirmed) -> None:
        self.confirms += 1


def codes(count: int, length: int, seed: int = 4) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_uppercase + string.digits + "-./"
    return [
        f"{i:03d}" + "".join(rng.choice(alphabet) for _ in range(length - 3)) for i in range(count)
    ]


async def test_fifty_back_to_back_scans_stay_whole() -> None:
    """50 scans of 30 characters, every key posted at once: none lost, none merged."""
    app = FieldApp()
    scans = codes(50, 30)
    enders = ["\r", "\n", "\t"]
    burst = "".join(code + enders[i % 3] for i, code in enumerate(scans))
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, burst)
        await until(pilot, lambda: len(app.scans) >= 50, what="50 scans")
        await pilot.pause(0.1)
    assert app.scans == scans
    assert app.confirms == 0


async def test_scans_at_a_scanner_pace_with_cr_lf_suffix() -> None:
    """About 1 ms per character, CR LF after each scan: 30 whole scans, and the LF is not an Enter."""
    app = FieldApp()
    scans = codes(30, 30, seed=9)
    async with app.run_test(size=(40, 16)) as pilot:
        for code in scans:
            await type_keys(app, code + "\r\n", gap=0.001)
        await until(pilot, lambda: len(app.scans) >= 30, what="30 scans")
        await pilot.pause(0.3)
    assert app.scans == scans
    assert app.confirms == 0


async def test_bare_enter_after_a_pause_confirms() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        post_keys(app, "U1\r")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: app.confirms == 1, what="a confirm")
    assert app.scans == ["U1"]


async def test_group_separator_is_kept_and_shown() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        post_keys(app, "]C10109501101530003")
        app.post_message(key_event(GS))
        post_keys(app, "10ABC\r")
        await until(pilot, lambda: app.scans, what="the scan")
    assert app.scans == [f"]C10109501101530003{GS}10ABC"]


async def test_hand_typing_and_backspace() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        await pilot.press("l", "minus", "0", "x", "backspace", "3", "enter")
        await until(pilot, lambda: app.scans, what="the scan")
    assert app.scans == ["l-03"]


async def test_a_paste_of_several_lines_is_several_scans() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        from textual import events

        app.query_one(ScanField).post_message(events.Paste("U00001\r\nU00002\nU0000"))
        await until(pilot, lambda: len(app.scans) == 2, what="two scans")
        post_keys(app, "3\r")
        await until(pilot, lambda: len(app.scans) == 3, what="three scans")
    assert app.scans == ["U00001", "U00002", "U00003"]
