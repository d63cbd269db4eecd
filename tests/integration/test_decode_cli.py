"""`stageterm label` and `stageterm decode` as a user runs them: the installed console script
in a subprocess, its output, JSON shape and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from stageterm.cli import main
from stageterm.labels import make_label
from stageterm.labels.readers import _probe

JSON_KEYS = {"file", "text", "symbology", "decoder", "scan"}


def stageterm_command() -> list[str]:
    script = Path(sys.executable).with_name("stageterm")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "stageterm.cli"]  # not installed: the same entry point


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # Nothing of the user's own set-up may leak in, nor anything be written there.
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "STAGETERM_DB": f"sqlite:///{tmp_path / 'unused.db'}",
    }
    return subprocess.run(
        [*stageterm_command(), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_printed_labels_decode_back_to_their_codes(tmp_path: Path) -> None:
    codes = ["L-A01", "B:1001", "kit/07:b"]
    # Labels look codes up as units first, so they need the site's database.
    assert run(tmp_path, "init").returncode == 0
    made = run(
        tmp_path, "label", *codes, "--out", "labels", "--title", "Lane A", "--sheet", "letter"
    )
    assert made.returncode == 0, made.stderr
    written = [Path(line) for line in made.stdout.splitlines()]
    assert all((tmp_path / path).exists() for path in written)
    assert {p.name for p in written} >= {"L-A01.png", "sheet-1.png", "sheet.pdf"}

    pngs = [str(p) for p in written if p.suffix == ".png" and not p.name.startswith("sheet")]
    decoded = run(tmp_path, "decode", "--json", *pngs, "labels/sheet-1.png")
    assert decoded.returncode == 0, decoded.stderr
    answers = [json.loads(line) for line in decoded.stdout.splitlines()]
    assert all(set(answer) == JSON_KEYS for answer in answers)
    by_file: dict[str, list[str]] = {}
    for answer in answers:
        by_file.setdefault(answer["file"], []).append(answer["text"])
    assert sorted(text for f in pngs for text in by_file[f]) == sorted(codes)
    assert sorted(by_file["labels/sheet-1.png"]) == sorted(codes)
    badge = next(a for a in answers if a["text"] == "B:1001")
    assert badge["symbology"] == "code128"
    assert badge["scan"]["kind"] == "badge" and badge["scan"]["badge"] == "1001"


def test_bad_files_are_reported_one_line_each_and_the_rest_still_decode(tmp_path: Path) -> None:
    make_label("L-A01").save(tmp_path / "good.png")
    Image.new("L", (200, 100), 255).save(tmp_path / "blank.png")
    (tmp_path / "notes.txt").write_text("not an image")
    result = run(tmp_path, "decode", "missing.png", "notes.txt", "good.png", "blank.png")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "missing.png: no such file",
        "notes.txt: not an image Pillow can read (PNG, JPEG, …)",
        "blank.png: no barcode found",
    ]
    [line] = result.stdout.splitlines()
    assert line.startswith("good.png: L-A01  (code128, ")
    assert line.endswith(")  -> unit code=L-A01")


def test_escape_sequences_in_a_barcode_never_reach_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    hostile = "\x1b[2J\x1b]0;owned\x07[red]x"
    symbol = zxingcpp.create_barcode(hostile, zxingcpp.BarcodeFormat.QRCode)
    Image.fromarray(symbol.to_image(scale=6)).save(tmp_path / "hostile.png")

    shown = run(tmp_path, "decode", "hostile.png")
    assert "\x1b" not in shown.stdout + shown.stderr and "\x07" not in shown.stdout
    assert (
        "\\x1b[2J" in shown.stdout and "error: Scan has terminal escape sequences" in shown.stdout
    )

    # The same command in this process (saves a second start-up): JSON keeps the exact
    # text, escaped by JSON itself.
    monkeypatch.setenv("STAGETERM_DB", f"sqlite:///{tmp_path / 'unused.db'}")
    assert main(["decode", "--json", str(tmp_path / "hostile.png")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    [answer] = [json.loads(line) for line in out.splitlines()]
    assert answer["text"] == hostile
    assert answer["scan"]["kind"] == "error"


def test_codes_code128_cannot_carry_exit_2_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STAGETERM_DB", f"sqlite:///{tmp_path / 'unused.db'}")
    out = tmp_path / "labels"
    assert main(["label", "L-A01", "LÄGER\x1b[31m", "--out", str(out)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "not printable ASCII" in line and "\x1b" not in line
    assert not out.exists()


def test_a_machine_without_any_decoder_is_told_how_to_install_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_label("L-A01").save(tmp_path / "good.png")
    monkeypatch.setenv("STAGETERM_DB", f"sqlite:///{tmp_path / 'unused.db'}")
    for module in ("pyzbar", "pyzbar.pyzbar", "zxingcpp"):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    _probe.cache_clear()
    try:
        code = main(["decode", str(tmp_path / "good.png"), str(tmp_path / "good.png")])
    finally:
        _probe.cache_clear()
    assert code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "sudo apt-get install -y libzbar0" in line
