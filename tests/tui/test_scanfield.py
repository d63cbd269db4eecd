"""The scan field on its own: scanner bursts end on CR, LF or Tab, never merge, never lose
a character; a CR LF suffix is not an acknowledgement; GS survives; a paste splits."""

from __future__ import annotations

import random
import string

import pytest
from textual import events
from textual.app import App, ComposeResult
from tui_kit import key_event, post_bytes, post_keys, type_keys, until

from stageterm.scanning import ScanError
from stageterm.scanning.classifier import classify
from stageterm.scanning.hostile import is_control
from stageterm.tui.widgets.scanfield import BURST_GAP_S, GS, KEEP, LIMIT, ScanField


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
        app.query_one(ScanField).post_message(events.Paste("U00001\r\nU00002\nU0000"))
        await until(pilot, lambda: len(app.scans) == 2, what="two scans")
        post_keys(app, "3\r")
        await until(pilot, lambda: len(app.scans) == 3, what="three scans")
    assert app.scans == ["U00001", "U00002", "U00003"]


# -- hostile scans (issue #16.8, SPEC §4): the same bytes as tests/unit/test_scanning_hostile.py ---


@pytest.mark.parametrize(
    "burst",
    [
        "U00\x0003",  # NUL: Textual reads it as ctrl+@, Input used to drop it: U0003
        "\x9b31mU",  # C1 CSI: read as shift+escape and dropped: 31mU
        "\x1b]0;PWNED\x07U00003",  # OSC: ESC swallowed, BEL (ctrl+g) split it: U00003
        "U0\x7f03",  # DEL inside a burst is not a person's backspace
        "U0\x0803",  # nor is BS
        "\x00U00003",  # a control first, characters at once after it
        "U1\x1b\x1b03",  # ESC ESC: the first reaches us as escape
    ],
    ids=["nul", "c1-csi", "osc-bel", "del", "bs", "leading-nul", "esc-esc"],
)
async def test_a_control_inside_a_burst_poisons_the_whole_scan(burst: str) -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        post_bytes(app, burst + "\r")
        await until(pilot, lambda: app.scans, what="the scan")
        await pilot.pause(0.1)
    assert len(app.scans) == 1, app.scans  # not split
    (scan,) = app.scans
    assert any(is_control(char) for char in scan), scan  # not dropped
    assert isinstance(classify(scan), ScanError)


async def test_escape_then_a_letter_inside_a_burst_is_kept_as_an_escape() -> None:
    """ESC x arrives as alt+x: not the letter x."""
    app = FieldApp()
    async with app.run_test() as pilot:
        post_bytes(app, "U\x1bx1\r")
        await until(pilot, lambda: app.scans, what="the scan")
    assert app.scans == ["U\x1bx1"]


async def test_the_field_shows_a_kept_control_as_its_picture() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        post_bytes(app, "U00\x0003")
        await until(pilot, lambda: app.query_one(ScanField).value == "U00\u240003")


@pytest.mark.xfail(
    strict=True,
    reason="Textual's parser drops these before any widget sees a key (a CSI ending in m "
    "is tried as a mouse report, ESC CR is read as Enter): only a parser of our own could",
)
@pytest.mark.parametrize(
    ("burst", "read_as"),
    [("U0\x1b[31m03", "U003"), ("U00003\x1b", "U00003")],
    ids=["sgr", "esc-cr"],
)
async def test_sequences_the_parser_swallows_still_poison_the_scan(
    burst: str, read_as: str
) -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        post_bytes(app, burst + "\r")
        await until(pilot, lambda: app.scans, what="the scan")
    assert app.scans != [read_as]


async def test_keys_a_person_presses_are_not_part_of_the_scan() -> None:
    """Hand typing at a person's pace: backspace edits, ctrl+@ (NUL) alone does nothing."""
    app = FieldApp()
    async with app.run_test() as pilot:
        for char in "L-0x":
            app.post_message(key_event(char))
            await pilot.pause(BURST_GAP_S * 3)
        await pilot.press("backspace")
        await pilot.pause(BURST_GAP_S * 3)
        app.post_message(key_event("\x00"))  # ctrl+@ (ctrl+space) on its own
        await pilot.pause(BURST_GAP_S * 3)
        app.post_message(key_event("3"))
        await pilot.pause(BURST_GAP_S * 3)
        app.post_message(key_event("\r"))
        await until(pilot, lambda: app.scans, what="the scan")
    assert app.scans == ["L-03"]


async def test_a_huge_paste_is_cut_just_past_the_limit_and_read_as_too_long() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        app.query_one(ScanField).post_message(events.Paste("U" * 100_000 + "\r"))
        await until(pilot, lambda: app.scans, what="the scan")
    assert app.scans == ["U" * KEEP]
    assert classify(app.scans[0]) == ScanError(
        "U" * KEEP, f"Scan is too long (limit {LIMIT} characters)"
    )


async def test_a_stuck_key_is_not_kept_past_the_limit() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        post_keys(app, "7" * 5_000 + "\r")
        await until(pilot, lambda: app.scans, timeout=30, what="the scan")
    assert app.scans == ["7" * KEEP]
