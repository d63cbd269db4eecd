"""Issue #15, done when: a kitting split at a 40x16 terminal with a loopback printer set
prints the child's label, and that label's PNG twin scans back (zxing-cpp) to the child;
with no printer the answer says how to print it; a printer that is down is a clear
message and the move stands. Also @PRINT of the unit on screen."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from tui_kit import SETTINGS, post_keys, shows, signed_in, until

from stageterm.labels.content import staged_lane, unit_content
from stageterm.labels.draw import draw_label
from stageterm.labels.layout import SIZES
from stageterm.scanning.classifier import classify
from stageterm.services.site import Site
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.prompts import PromptScreen
from stageterm.tui.screens.stage import StageScreen

zxingcpp = pytest.importorskip("zxingcpp")


class Printer:
    """A thermal printer on 127.0.0.1:PORT that records each job's bytes."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.jobs.append(b"".join(chunks))


def app_with(demo_store, clock, printer: str = ""):  # type: ignore[no-untyped-def]
    """The app as `stageterm` builds it, the terminal's printer in its settings."""
    settings = SETTINGS.replace(printer=printer)
    site = Site(demo_store, terminal="tui-test", settings=settings, clock=clock)
    return StagetermApp(site=site, settings=settings), site


@pytest.fixture
def printer() -> Iterator[Printer]:
    listening = Printer()
    yield listening
    listening.server.close()


async def split_at_the_terminal(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await signed_in(pilot)
    await pilot.press("ctrl+n")  # Qty (F7 on a keyboard that has it)
    await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the quantity prompt")
    post_keys(app, "10\r")
    await shows(pilot, "move 10 only")
    post_keys(app, "KIT-A\r")
    await shows(pilot, "KIT-A")
    post_keys(app, "U00151\r")


async def test_the_child_of_a_split_is_printed_and_its_label_scans_back_to_it(
    demo_store, clock, printer: Printer
) -> None:
    app, services = app_with(demo_store, clock, f"127.0.0.1:{printer.port}")
    async with app.run_test(size=(40, 16)) as pilot:
        await split_at_the_terminal(app, pilot)
        await shows(pilot, "U00151-1", "sent to")
        await until(pilot, lambda: printer.jobs, what="the printer's job")
    [job] = printer.jobs
    assert job.startswith(b"^XA") and b"U00151-1" in job
    child = services.views.unit("U00151-1")
    assert child is not None and child.location == "KIT-A" and child.quantity == 10
    # The PNG twin of what was printed: every barcode read back, and the one that names
    # the child alone is its own code; the scanner side classifies each as it would a scan.
    image = draw_label(unit_content(child, lane=staged_lane(child)), SIZES["100x150"], 203)
    read = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    scans = [classify(b.symbology_identifier + b.text) for b in read]
    assert any(getattr(s, "gtin", None) == child.gtin and s.lot == child.lot for s in scans)
    assert any(getattr(s, "code", None) == "U00151-1" for s in scans)


async def test_with_no_printer_the_answer_says_how_to_print_the_child(demo_store, clock) -> None:
    app, services = app_with(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await split_at_the_terminal(app, pilot)
        await shows(pilot, "stageterm label U00151-1")
    assert services.views.unit("U00151-1") is not None  # the move stands


async def test_a_printer_that_is_down_is_a_clear_message_and_the_move_stands(
    demo_store, clock
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # nothing listens there once closed
    app, services = app_with(demo_store, clock, f"127.0.0.1:{port}")
    async with app.run_test(size=(80, 24)) as pilot:
        await split_at_the_terminal(app, pilot)
        await shows(pilot, "Label of U00151-1 not", "refused the connection")
    child = services.views.unit("U00151-1")
    assert child is not None and child.location == "KIT-A"


async def test_print_prints_the_unit_on_screen(demo_store, clock, printer: Printer) -> None:
    app, _site = app_with(demo_store, clock, f"127.0.0.1:{printer.port}")
    async with app.run_test(size=(80, 24)) as pilot:
        post_keys(app, "1001\r")
        await until(pilot, lambda: isinstance(app.screen, StageScreen), what="the stage screen")
        post_keys(app, "U00151\r")
        await shows(pilot, "Scan a target")
        post_keys(app, "@PRINT\r")
        await shows(pilot, "Label of U00151 sent to")
        await until(pilot, lambda: printer.jobs, what="the printer's job")
    assert b"U00151" in printer.jobs[0]
