"""Labels to a thermal printer and to files, through the doors people use: the installed
`stageterm label` (a subprocess on a real SQLite site) and `print_unit_label` (what the
terminal calls). The printer is a real TCP listener on 127.0.0.1 that records every byte;
a closed port and a printer that takes the connection but never reads stand for the two
ways a printer fails on the floor."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import biip
import pytest
from PIL import Image

from integration.test_decode_cli import run
from stageterm.domain.model import Unit
from stageterm.labels.printer import PrinterError, parse_printer, print_unit_label

zxingcpp = pytest.importorskip("zxingcpp")

GTIN = "09506000134352"
SSCC = "395060001343520018"
UNITS_CSV = (
    "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order\n"
    f"U-LOT,ITEM-1,{GTIN},ABC123,,,12,EA,2026-12-31,released,S-01,\n"
    f"U-PAL,ITEM-1,{GTIN},ABC124,,{SSCC},40,EA,2027-01-31,released,S-01,\n"
    "U-PLAIN,SKU-9,,,,,5,EA,,released,S-01,\n"
)


class Printer:
    """A printer on 127.0.0.1: reads each connection to its end, then closes it."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.jobs: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed at the end of the test
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.jobs.append(b"".join(chunks))

    def close(self) -> None:
        self.server.close()
        self.thread.join(5)


@pytest.fixture
def printer() -> Iterator[Printer]:
    listening = Printer()
    yield listening
    listening.close()


@pytest.fixture
def stuck_printer() -> Iterator[int]:
    """Takes the connection and never reads a byte nor closes (paused, jammed)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def hold() -> None:
        # Closed at the end of the test before anyone connected: nothing to hold.
        with contextlib.suppress(OSError):
            held.append(server.accept()[0])

    threading.Thread(target=hold, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in held:
        conn.close()


def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])  # nothing listens there once closed


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One site for the module: each command is a process start, slow on a loaded machine.
    tmp_path = tmp_path_factory.mktemp("site")
    assert run(tmp_path, "init").returncode == 0
    (tmp_path / "locations.csv").write_text(
        "code,kind,name,customer,route,carrier,capacity,work_order\nS-01,storage,Store,,,,,\n"
    )
    (tmp_path / "units.csv").write_text(UNITS_CSV)
    for kind in ("locations", "units"):
        imported = run(tmp_path, "import", kind, f"{kind}.csv")
        assert imported.returncode == 0, imported.stderr
    return tmp_path


def read_back(path: Path) -> list[tuple[str, str]]:
    found = zxingcpp.read_barcodes(Image.open(path), text_mode=zxingcpp.TextMode.HRI)
    found = sorted(found, key=lambda b: b.position.top_left.y)
    return [(b.symbology_identifier, b.text) for b in found]


def test_a_gtin_lot_expiry_unit_gives_a_zpl_file_and_a_png_that_reads_back(site: Path) -> None:
    zpl = run(site, "label", "U-LOT", "--format", "zpl", "--out", "zpl")
    assert zpl.returncode == 0, zpl.stderr
    assert zpl.stdout.splitlines() == ["zpl/U-LOT.zpl"]
    text = (site / "zpl/U-LOT.zpl").read_text()
    assert text.startswith("^XA") and "^BCN," in text and "^FD>;>8" in text
    assert "^PW799\n^LL1199\n" in text  # a GS1 label defaults to 100 x 150 mm
    assert f"(01){GTIN}(17)261231(10)ABC123" in text

    png = run(site, "label", "U-LOT", "U-PAL", "U-PLAIN", "L-A01", "--out", "png")
    assert png.returncode == 0, png.stderr
    assert read_back(site / "png/U-LOT.png") == [("]C1", f"(01){GTIN}(17)261231(10)ABC123")]
    assert read_back(site / "png/U-PAL.png") == [
        ("]C1", f"(02){GTIN}(17)270131(37)40(10)ABC124"),
        ("]C1", f"(00){SSCC}"),
    ]
    assert read_back(site / "png/U-PLAIN.png") == [("]C0", "U-PLAIN")]
    assert read_back(site / "png/L-A01.png") == [("]C0", "L-A01")]  # not a unit: as given


def test_pdf_is_one_label_sized_page_per_label(site: Path) -> None:
    made = run(site, "label", "U-LOT", "U-PAL", "--format", "pdf", "--size", "100x50", "--out", "d")
    assert made.returncode == 0, made.stderr
    pdf = (site / "d/labels.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # 100 x 50 mm in PDF points (1/72 inch).
    assert pdf.count(b"/MediaBox [ 0 0 283.") == 2 or pdf.count(b"/MediaBox [0 0 283.") == 2


def test_labels_go_to_the_printer_as_zpl(site: Path, printer: Printer) -> None:
    sent = run(site, "label", "U-PAL", "L-A01", "--printer", f"127.0.0.1:{printer.port}")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == f"2 label(s) sent to 127.0.0.1:{printer.port}"
    [job] = printer.jobs
    zpl = job.decode("utf-8")
    assert zpl.count("^XA") == zpl.count("^XZ") == 2
    assert f"(00){SSCC}" in zpl and "^FDL-A01^FS" in zpl


def test_a_printer_that_is_off_is_one_line_and_exit_2(site: Path) -> None:
    port = closed_port()
    failed = run(site, "label", "U-LOT", "--printer", f"127.0.0.1:{port}")
    assert failed.returncode == 2
    assert failed.stderr.splitlines() == [
        f"stageterm: cannot print: printer 127.0.0.1:{port} refused the connection "
        "(is this its address and port?)"
    ]


def test_bad_printer_addresses_and_missing_destinations_are_one_line(site: Path) -> None:
    bad = run(site, "label", "U-LOT", "--printer", "host:99999")
    assert (bad.returncode, len(bad.stderr.splitlines())) == (2, 1)
    assert "port must be a number from 1 to 65535" in bad.stderr
    nowhere = run(site, "label", "U-LOT")
    assert nowhere.returncode == 1 and "--out DIR or --printer HOST:PORT" in nowhere.stderr
    png = run(site, "label", "U-LOT", "--format", "png", "--printer", "127.0.0.1")
    assert png.returncode == 1 and "a printer takes ZPL" in png.stderr


def test_print_unit_label_sends_the_unit_s_zpl(printer: Printer) -> None:
    unit = Unit("U1", "ITEM-1", 12, gtin=GTIN, lot="ABC", expiry=date(2026, 12, 31))
    print_unit_label(unit, f"127.0.0.1:{printer.port}", order="SO-1", lane="L-04")
    [job] = printer.jobs
    zpl = job.decode()
    assert f"(01){GTIN}(17)261231(10)ABC" in zpl and "Order SO-1" in zpl and "Lane L-04" in zpl
    # The barcode data is the unit's own element string.
    message = biip.parse(f"]C101{GTIN}17261231" + "10ABC").gs1_message
    assert message is not None and message.as_hri() in zpl


def test_a_printer_that_never_reads_times_out_with_one_line(stuck_printer: int) -> None:
    unit = Unit("U1", "ITEM-1", 12, gtin=GTIN)
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        print_unit_label(unit, f"127.0.0.1:{stuck_printer}", timeout=0.5)
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message == (
        f"printer 127.0.0.1:{stuck_printer} did not take the label within 0.5 s "
        "(is it on, online and loaded?)"
    )


def test_print_unit_label_errors_are_printer_errors() -> None:
    unit = Unit("U1", "ITEM-1", 12, gtin="09506000134353")  # wrong check digit
    with pytest.raises(PrinterError, match="GTIN"):
        print_unit_label(unit, "127.0.0.1:9")
    with pytest.raises(PrinterError, match="STAGETERM_PRINTER"):
        print_unit_label(unit, "")
    with pytest.raises(PrinterError, match="refused"):
        print_unit_label(Unit("U2", "I", 1), f"127.0.0.1:{closed_port()}")


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("zebra-7", "zebra-7", 9100),
        ("10.0.0.5:6101", "10.0.0.5", 6101),
        ("[::1]:9100", "::1", 9100),
    ],
)
def test_printer_addresses(text: str, host: str, port: int) -> None:
    address = parse_printer(text)
    assert (address.host, address.port) == (host, port)


def test_the_terminal_s_printer_setting_is_the_default(
    site: Path, printer: Printer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # STAGETERM_PRINTER: neither --out nor --printer, so the terminal's own printer.
    monkeypatch.setenv("STAGETERM_PRINTER", f"127.0.0.1:{printer.port}")
    done = run(site, "label", "U-LOT")
    assert done.returncode == 0, done.stderr
    [job] = printer.jobs
    assert f"(01){GTIN}(17)261231(10)ABC123" in job.decode()


def test_a_split_on_the_command_line_labels_its_child_as_the_terminal_does(
    run_cli, demo_db: str, printer: Printer
) -> None:  # type: ignore[no-untyped-def]
    """SPEC §4: the child of a kitting split is printed at once where a printer is set,
    else the answer says how; `stageterm move --qty` is the same move as at the terminal."""
    at = {"STAGETERM_PRINTER": f"127.0.0.1:{printer.port}"}
    done = run_cli(
        "move", "U00143", "--to", "KIT-A", "--qty", "10", "--operator", "1001", db=demo_db, env=at
    )
    assert done.returncode == 0, done.stderr
    assert "(10 of 30; 20 left on U00143)" in done.stdout
    assert f"Label of U00143-1 sent to 127.0.0.1:{printer.port}." in done.stdout
    deadline = time.monotonic() + 5
    while not printer.jobs and time.monotonic() < deadline:
        time.sleep(0.05)
    [job] = printer.jobs
    assert job.startswith(b"^XA") and b"U00143-1" in job

    unlabelled = run_cli(
        "move", "U00143", "--to", "KIT-A", "--qty", "5", "--operator", "1001", db=demo_db
    )
    assert unlabelled.returncode == 0, unlabelled.stderr
    assert "stageterm label U00143-2 --printer HOST:PORT" in unlabelled.stdout
