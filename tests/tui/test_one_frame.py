"""One frame a scan (issue #17): a burst read at once reaches the scan field as one
`Typed` message and is taken exactly as its keys would be; typing and answers do not lay
out the whole screen; frames are held from a scan to its answer (and never longer than
`LONGEST_S`); the scan log draws each entry's line once."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import pytest
import test_scanfield
from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from tui_kit import post_keys, screen_text, shows, signed_in, until

from stageterm.domain.model import Location, LocationKind
from stageterm.services.replies import PendingView, ScanEntry, SessionView
from stageterm.services.results import Outcome, Result
from stageterm.tui.app import StagetermApp
from stageterm.tui.frames import LONGEST_S
from stageterm.tui.widgets.feedback import FeedbackPanel, TargetCard
from stageterm.tui.widgets.scanfield import GS, KEEP, ScanField, Typed, grouped
from stageterm.tui.widgets.scanlog import ScanLog


def parsed(data: str) -> list[Message]:
    """What Textual's input parser makes of `data` read from the terminal in one go."""
    from textual._xterm_parser import XTermParser

    parser = XTermParser()
    return [*parser.feed(data), *parser.feed("")]


def shape(messages: list[Message]) -> list[str]:
    return [
        "typed:"
        + "".join(k.character or "" for k in m.chars)
        + (f"+{m.end.key}" if m.end is not None else "")
        if isinstance(m, Typed)
        else f"key:{m.key}"
        if isinstance(m, events.Key)
        else type(m).__name__
        for m in messages
    ]


async def targeting_l04(pilot) -> None:  # type: ignore[no-untyped-def]
    """Signed in as 1001 with lane L-04 as the target, the screen settled."""
    await signed_in(pilot)
    post_keys(pilot.app, "L-04\r")
    await shows(pilot, "Target L-04")
    await pilot.pause(0.2)


def frames_going_out(app: App[object], what) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Every frame the app hands its driver from now on (not while held), as
    `(loop time, what(app))`."""
    frames = []
    display = app._display

    def counted(screen, renderable):  # type: ignore[no-untyped-def]
        if renderable is not None and not app._batch_count:
            frames.append((asyncio.get_running_loop().time(), what(app)))
        display(screen, renderable)

    app._display = counted  # type: ignore[method-assign]
    return frames


def field_value(app: App[object]) -> str:
    return app.screen.query_one(ScanField).value


# -- what the driver hands over ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("U00030\r", ["typed:U00030+enter"]),
        ("L-04\rU00003\r", ["typed:L-04+enter", "typed:U00003+enter"]),
        ("A", ["key:A"]),  # one character alone stays a key
        ("A\r", ["typed:A+enter"]),
        ("\r", ["key:enter"]),
        ("AB\r\r", ["typed:AB+enter", "key:enter"]),
        ("AB\x00CD\t", ["typed:AB", "key:ctrl+@", "typed:CD+tab"]),
        (f"01{GS}21", ["typed:01", "key:ctrl+right_square_bracket", "typed:21"]),
        ("ÄÖ é\n", ["typed:ÄÖ é+ctrl+j"]),
        ("U0\x7f03", ["typed:U0", "key:backspace", "typed:03"]),
        ("\x1bOPxy", ["key:f1", "typed:xy"]),
    ],
    ids=[
        "scan",
        "two-scans",
        "single",
        "one-and-enter",
        "enter",
        "enter-enter",
        "nul-tab",
        "gs",
        "non-ascii",
        "del",
        "f1",
    ],
)
def test_runs_of_plain_characters_are_grouped_in_order(data: str, expected: list[str]) -> None:
    assert shape(grouped(parsed(data))) == expected


def test_grouping_keeps_every_key_and_its_order() -> None:
    rng = random.Random(7)
    alphabet = "AZ09-./ Ä\x00\x1d\x7f\r\n\t\x1b"
    for _ in range(200):
        data = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        plain = parsed(data)
        flat = [
            key for m in grouped(parsed(data)) for key in (m.keys if isinstance(m, Typed) else [m])
        ]
        assert [type(m).__name__ + str(getattr(m, "key", "")) for m in flat] == [
            type(m).__name__ + str(getattr(m, "key", "")) for m in plain
        ], repr(data)


# -- the field takes a Typed as it takes its keys --------------------------------------------------


class FieldApp(test_scanfield.FieldApp):
    """A scan field alone; with `typed`, bursts arrive as the terminal driver sends them."""

    def __init__(self, typed: bool) -> None:
        super().__init__()
        self.typed = typed

    def on_typed(self, message: Typed) -> None:  # as StagetermApp routes it
        self.query_one(ScanField).post_message(message)

    def read(self, data: str) -> None:
        messages = parsed(data)
        for message in grouped(messages) if self.typed else messages:
            self.post_message(message)


async def scans_of(data: str, typed: bool) -> tuple[list[str], int, str]:
    app = FieldApp(typed)
    async with app.run_test() as pilot:
        app.read(data)
        await pilot.pause(0.05)
        await until(pilot, lambda: not app._message_queue.qsize(), what="quiet")
        await pilot.pause(0.05)
        return app.scans, app.confirms, app.query_one(ScanField).value


@pytest.mark.parametrize("seed", range(6))
async def test_a_burst_as_typed_gives_the_same_scans_as_its_keys(seed: int) -> None:
    """Random reads of scanner-like and hostile bytes (controls, GS, DEL, escape sequences,
    terminators, non-ASCII, runs past the field's limit): the same scans, the same
    acknowledgements and the same text left in the field, whether the run of characters
    came as one Typed or key by key."""
    rng = random.Random(seed)
    pieces = ["U00030", "L-04", "Ä", "\x00", GS, "\x7f", "\x1b[A", "\r", "\n", "\t", "x" * 150]
    data = "".join(rng.choice(pieces) for _ in range(12))
    assert await scans_of(data, typed=True) == await scans_of(data, typed=False), repr(data)


async def test_a_long_run_is_cut_one_past_the_limit() -> None:
    scans, _confirms, _left = await scans_of("U" * (KEEP + 50) + "\r", typed=True)
    assert scans == ["U" * KEEP]


async def test_a_control_just_before_a_run_leads_the_scan() -> None:
    assert (await scans_of("\x00U00003\r", typed=True))[0] == ["\x00U00003"]


# -- the floor app ------------------------------------------------------------------------------


def read_at_once(app: StagetermApp, data: str) -> None:
    for message in grouped(parsed(data)):
        app.post_message(message)


async def test_two_scans_read_at_once_both_count(make_app) -> None:
    """A lane and a unit in one read: Typed, Enter, Typed, Enter reach the field in order
    (the run after the first Enter once overtook it and merged: 'L-04U00003')."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        read_at_once(app, "L-04\rU00003\r")
        await shows(pilot, "Unit U00003 to L-04")


async def test_typed_with_no_field_focused_still_reaches_the_field(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        app.set_focus(None)
        await pilot.pause(0.05)
        read_at_once(app, "L-04\r")
        await shows(pilot, "Target L-04")


async def layouts_while(pilot, monkeypatch, action) -> int:  # type: ignore[no-untyped-def]
    count = 0
    original = Screen._refresh_layout

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    await action()
    await pilot.pause(0.1)
    monkeypatch.setattr(Screen, "_refresh_layout", original)
    return count


async def test_typing_and_same_sized_answers_do_not_lay_out_the_screen(
    make_app, monkeypatch
) -> None:
    """A character repaints the field; an answer as tall as the last repaints the panels.
    A taller answer (a refusal, with its acknowledgement line) does lay out."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await targeting_l04(pilot)

        async def type_a_code() -> None:
            post_keys(app, "U0000")
            await until(pilot, lambda: field_value(app) == "U0000")

        assert await layouts_while(pilot, monkeypatch, type_a_code) == 0

        async def two_moves() -> None:
            post_keys(app, "3\r")
            await shows(pilot, "Unit U00003 to L-04")
            post_keys(app, "U00003\r")  # again: already there, as tall an answer
            await shows(pilot, "already in L-04")

        # The move's panel replaces the target's (same height); the second answer likewise.
        assert await layouts_while(pilot, monkeypatch, two_moves) == 0

        async def a_refusal() -> None:
            post_keys(app, "U00037\r")
            await shows(pilot, ">> Press Enter to acknowledge <<")

        assert await layouts_while(pilot, monkeypatch, a_refusal) >= 1
        panel = app.screen.query_one(FeedbackPanel)
        assert panel.size.height == panel.get_content_height(
            panel.size, panel.size, panel.size.width
        )


# -- frames held from a scan to its answer ---------------------------------------------------------


async def test_no_frame_between_a_scan_and_its_answer(make_app) -> None:
    app = make_app()
    taken: list[float] = []

    def answered(app: StagetermApp) -> bool:
        panel = app.screen.query_one(FeedbackPanel)
        return panel.entry is not None and "U00003" in panel.entry.result.message

    async with app.run_test(size=(80, 24)) as pilot:
        await targeting_l04(pilot)
        app.frames.longest = 5.0  # a loaded machine's slow desk: not what is tested here
        frames = frames_going_out(app, answered)
        put = app.desk.put

        def timed_put(request):  # type: ignore[no-untyped-def]
            taken.append(asyncio.get_running_loop().time())
            put(request)

        app.desk.put = timed_put  # type: ignore[method-assign]
        post_keys(app, "U00003\r")
        await shows(pilot, "Unit U00003 to L-04")
        await pilot.pause(0.1)
    after = [shown for at, shown in frames if at >= taken[0]]
    assert after and after[0], frames  # the first frame after the desk took it holds the answer


async def test_frames_go_out_again_when_the_desk_is_slow(make_app) -> None:
    """A scan the desk does not answer (waiting on another terminal's write, say): the
    screen is still for at most LONGEST_S, then the emptied field is painted. Plain sleeps
    here: Pilot's `pause` paints by itself, which would hide a release that does not."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await targeting_l04(pilot)
        app.desk.put = lambda request: None  # type: ignore[method-assign]  # never answered
        frames = frames_going_out(app, field_value)
        post_keys(app, "U00003\r")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 1
        while not app.frames.holding and loop.time() < deadline:
            await asyncio.sleep(0.002)
        held_at = loop.time()
        assert app.frames.holding
        await asyncio.sleep(LONGEST_S + 0.3)
        assert not app.frames.holding and app._batch_count == 0
        after = [(at - held_at, value) for at, value in frames if at > held_at]
        assert after and after[-1][1] == "", frames  # the emptied field went out
        assert after[0][0] < LONGEST_S + 0.1, after


async def test_an_answer_that_changes_nothing_still_shows_the_emptied_field(make_app) -> None:
    """Help over the sign-in screen: a scan is refused where nothing on screen changes but
    the field; its frame must still go out once the hold ends (plain sleeps, see above)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause(0.2)
        frames = frames_going_out(app, field_value)
        post_keys(app, "NOPE42")
        await asyncio.sleep(0.3)
        post_keys(app, "\r")
        await asyncio.sleep(0.3)
        assert frames and frames[-1][1] == "", frames


def test_the_textual_internals_the_hold_uses_exist() -> None:
    """frames.py paints through Textual's own frame method: a Textual that renames it must
    fail here, not quietly fall back to the slower timer."""
    assert callable(getattr(Screen, "_on_timer_update", None))
    assert isinstance(Screen()._dirty_widgets, set)


# -- the scan log ----------------------------------------------------------------------------------


def entry(seq: int, message: str, outcome: Outcome = Outcome.MOVED) -> ScanEntry:
    at = datetime(2026, 12, 5, 6, 0) + timedelta(minutes=seq)
    return ScanEntry(seq, at, f"U{seq:05d}", Result(outcome, message))


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ScanLog(id="log")


@pytest.mark.parametrize("width", [80, 40])
async def test_the_log_draws_each_line_once_and_redraws_on_resize(width: int) -> None:
    app = LogApp()
    async with app.run_test(size=(width, 8)) as pilot:
        log = app.query_one(ScanLog)
        assert "Scans of this session show here." in screen_text(app)
        drawn = 0
        draw = log._draw

        def counted(line, w):  # type: ignore[no-untyped-def]
            nonlocal drawn
            drawn += 1
            return draw(line, w)

        log._draw = counted  # type: ignore[method-assign]
        for seq in range(1, 21):
            log.add(
                entry(
                    seq,
                    f"Unit U{seq:05d} to L-04, a sentence too long for a line of a handheld or of a dock PC",
                )
            )
            await pilot.pause(0.01)
        await pilot.pause(0.05)
        lines = screen_text(app).splitlines()
        assert "U00020" in lines[0] and "U00019" in lines[1]  # newest first
        assert ("06:20 " in lines[0]) == (width >= 50)  # the time goes first on a handheld
        assert lines[0].rstrip().endswith("…")
        assert drawn <= 20 + 8  # each new line once (and the lines a frame showed)
        await pilot.resize_terminal(80 if width == 40 else 40, 8)
        await pilot.pause(0.1)
        lines = screen_text(app).splitlines()
        assert ("06:20 " in lines[0]) == (width < 50)  # drawn again for the new width


# -- panels measured without laying their text out -------------------------------------------------


class PanelsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TargetCard(id="target")
        yield FeedbackPanel(id="feedback")


@pytest.mark.parametrize("width", [24, 40, 52, 80])
async def test_a_panels_line_count_is_its_height_when_nothing_wraps(width: int) -> None:
    """`unwrapped_height` (the cheap count) agrees with Textual's own measure wherever it
    answers, and answers for an ordinary move."""
    app = PanelsApp()
    results = [
        Result(Outcome.MOVED, "Unit U00003 to L-04."),
        Result(Outcome.REFUSED, "Unit U00037 is in quarantine, not released. " * 3),
        Result(Outcome.NEEDS_APPROVAL, "Lane L-04 is for ACME, not BOLT. A lead must approve."),
        Result(Outcome.INFO, "x" * (width - 2)),
        Result(Outcome.INFO, "x" * (width - 1)),
    ]
    answered = 0
    async with app.run_test(size=(width, 30)) as pilot:
        panel, card = app.query_one(FeedbackPanel), app.query_one(TargetCard)
        for seq, result in enumerate(results, start=1):
            for blocking, taken in ((False, True), (True, True), (False, False)):
                scan = ScanEntry(seq, datetime(2026, 12, 5, 6, 0), "U0003X" * 8, result, taken)
                panel.show(scan, blocking=blocking)
                await pilot.pause(0.02)
                inner = panel.content_size.width
                quick = panel.unwrapped_height(inner)
                if quick is not None:
                    answered += 1
                    panel.clear_cached_dimensions()
                    assert quick == panel.get_content_height(panel.size, panel.size, inner)
        lane = Location("L-04", LocationKind.LANE, customer="ACME", route="WEST", capacity=8)
        pending = PendingView("U00004", "L-04", None, ("wrong-lane", "fefo"))
        for session in (
            SessionView(),
            SessionView(target=lane),
            SessionView(target=lane, held_unit="U00009", quantity=3, pending=pending),
        ):
            card.show(session, "6/8 units here")
            await pilot.pause(0.02)
            inner = card.content_size.width
            card.clear_cached_dimensions()
            quick = card.unwrapped_height(inner)
            assert quick in (None, card.get_content_height(card.size, card.size, inner))
            answered += quick is not None
    assert answered >= (3 if width >= 40 else 1)  # an ordinary move, at least


def test_no_key_of_the_app_is_a_plain_character_or_a_terminator() -> None:
    """What lets the app hand a Typed to the field without weighing its keys one by one:
    none of them could have been a binding of the app's (priority keys are weighed before
    the field sees a key)."""
    from textual.binding import Binding
    from textual.keys import _character_to_key

    from stageterm.tui.widgets.scanfield import TERMINATORS

    bound: set[str] = set()
    for cls in StagetermApp.__mro__:
        for binding in vars(cls).get("BINDINGS", []):
            keys = binding.key if isinstance(binding, Binding) else binding[0]
            bound.update(key.strip() for key in keys.split(","))
    plain = {_character_to_key(chr(c)) for c in range(0x20, 0x7F)} | {"Ä", "é"}
    assert not bound & plain
    assert not bound & TERMINATORS


async def test_a_late_fill_of_the_previous_target_is_not_shown(make_app, monkeypatch) -> None:
    """The fill of lane L-04, read slowly, arrives after the target became storage S-12
    (which has none): the card keeps no fill."""
    import time

    from stageterm.tui.screens.stage import StageScreen

    fetch = StageScreen.fetch

    def slow(self):  # type: ignore[no-untyped-def]
        found = fetch(self)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(StageScreen, "fetch", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await targeting_l04(pilot)
        post_keys(app, "S-12\r")
        await shows(pilot, "Target S-12")
        await pilot.pause(0.6)
        card = app.screen.query_one(TargetCard)
        assert card.session.target is not None and card.session.target.code == "S-12"
        assert card.fill is None, card.fill
        assert "units here" not in screen_text(app)


def test_scans_are_the_apps_alone_to_handle() -> None:
    """The scan field hands Scanned and Confirmed to the app's handler directly: no screen
    or widget of the terminal may have handlers of its own for them (they would never run)."""
    from textual.widget import Widget

    from stageterm.tui.board import BoardApp

    names = (ScanField.Scanned.handler_name, ScanField.Confirmed.handler_name)

    def everything(cls: type) -> list[type]:
        return [cls, *(c for sub in cls.__subclasses__() for c in everything(sub))]

    for cls in [*everything(Screen), *everything(Widget)]:
        if cls.__module__.startswith("stageterm."):
            assert not any(name in vars(cls) for name in names), cls
            decorated = vars(cls).get("_decorated_handlers") or {}
            assert not {ScanField.Scanned, ScanField.Confirmed} & set(decorated), cls
    for app in (StagetermApp, BoardApp):
        assert all(callable(getattr(app, name)) for name in names)


async def test_the_switch_interval_is_given_back(make_app) -> None:
    import sys

    before = sys.getswitchinterval()
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause(0.05)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    assert sys.getswitchinterval() == before
