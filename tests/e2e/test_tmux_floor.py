"""The installed `stageterm demo` in a real terminal (tmux, TERM=vt220, 40x16), driven as
an operator would: sign in, stage a unit, a refusal acknowledged with one key, the lanes
board, a unit's history, a stray non-UTF-8 byte, and quitting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

if shutil.which("tmux") is None:
    pytest.skip(
        "tmux is not installed (apt-get install -y tmux): end-to-end tests skipped",
        allow_module_level=True,
    )


class Terminal:
    """One tmux server and session running a command at a fixed size."""

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        self.socket = f"stageterm-e2e-{uuid.uuid4().hex[:8]}"
        self.env = env
        width, height = size
        shell = " ".join(
            f"{k}={v}"
            for k, v in env.items()
            if k.startswith(("STAGETERM_", "TERM", "LANG", "NO_COLOR"))
        )
        # The pane gets its size first, then the app starts in it: an app started with the
        # session may read the size before tmux applies -x/-y and miss the resize under load.
        self.tmux("new-session", "-d", "-s", "floor", "-x", str(width), "-y", str(height), "cat")
        self.tmux("respawn-pane", "-k", "-t", "floor", f"env {shell} {' '.join(command)}")

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            env=self.env, capture_output=True, text=True, timeout=20,
        )  # fmt: skip

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "floor", *keys)

    def hex(self, *octets: str) -> None:
        self.tmux("send-keys", "-t", "floor", "-H", *octets)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "floor").stdout

    def alive(self) -> bool:
        return self.tmux("has-session", "-t", "floor").returncode == 0

    def wait_for(self, *texts: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"terminal never showed {texts}; it shows:\n{screen}")

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def floor(tmp_path: Path) -> Iterator[Terminal]:
    stageterm = Path(sys.executable).parent / "stageterm"
    if not stageterm.exists():
        pytest.fail(f"stageterm is not installed next to {sys.executable}: pip install -e .")
    # Nothing of this process's terminal: COLUMNS/LINES (set by snapshot tests) would
    # override the pane's real size, TEXTUAL_* would change the driver.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STAGETERM_", "TEXTUAL", "COLUMNS", "LINES"))
    }
    env.update(
        HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
        TERM="vt220", LANG="C.UTF-8", STAGETERM_TERMINAL="e2e-handheld", STAGETERM_IDLE_MINUTES="0",
    )  # fmt: skip
    env.pop("LC_ALL", None)
    env.pop("NO_COLOR", None)
    terminal = Terminal([str(stageterm), "demo", "--db", str(tmp_path / "demo.db")], env, (40, 16))
    yield terminal
    terminal.close()


def test_a_shift_at_a_40x16_vt220_handheld(floor: Terminal) -> None:
    floor.wait_for("Scan your badge", "Quit", timeout=30)
    floor.keys("1001", "Enter")
    floor.wait_for("STAGE", "Ana Ortiz")

    # Target and a unit in one burst, as a scanner sends them.
    floor.keys("L-04", "Enter", "U00003", "Enter")
    screen = floor.wait_for("Unit U00003 to L-04")
    assert "ACME / WEST" in screen

    # A quarantined unit: refused; the next scan is not taken; one Enter acknowledges.
    floor.keys("U00037", "Enter", "U00027", "Enter")
    floor.wait_for("quarantine", "Press Enter", "Not taken: U00027")
    time.sleep(0.3)
    floor.keys("Enter")
    floor.wait_for("Acknowledged")

    # The lanes board (F3) shows the unit in L-04; a unit scanned there opens its history.
    floor.keys("F3")
    screen = floor.wait_for("LANES", "L-04")
    assert "1/12" in next(line for line in screen.splitlines() if "L-04" in line)
    floor.keys("U00003", "Enter")
    screen = floor.wait_for("UNIT", "HISTORY", "stage")
    assert "stage   S-04>L-04" in screen  # 40 columns: the compact history line

    # A stray Latin-1 byte from a misconfigured client: the app carries on and says why.
    floor.hex("c4")
    floor.keys("Enter")
    floor.wait_for("Scan has bytes this terminal")
    assert floor.alive()

    # F10 signs out and quits.
    floor.keys("Enter", "F10")
    deadline = time.monotonic() + 10
    while floor.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not floor.alive()
