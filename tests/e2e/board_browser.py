"""The browser board (`stageterm serve`) driven in a real headless Chromium by Playwright.

Debian's `chromium` is used (`executable_path=`): Playwright's own browser download cannot
work here. The board is drawn by xterm.js on a canvas, so its text is read the way the
browser gets it: every websocket frame the page receives is fed, in order, to a VT
emulator (pyte), whose screen is then the board as the browser shows it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if CHROMIUM is None:
        return "no chromium on PATH (scripts/system-deps.sh chromium installs Debian's)"
    try:
        import playwright  # noqa: F401
        import pyte  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(
    stageterm: Path, db: str, env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[str]:
    """`stageterm serve` on a loopback port for the block; yields its address."""
    port = port or free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("STAGETERM_")}
    full.update(env or {})
    process = subprocess.Popen(
        [str(stageterm), "serve", "--db", db, "--port", str(port)],
        env=full,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"stageterm serve did not start: {err}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class BoardPage:
    """One browser page on the board: what it shows, as text."""

    def __init__(self, page: Any) -> None:
        import pyte

        self.page = page
        self.screen = pyte.Screen(200, 60)
        self.stream = pyte.ByteStream(self.screen)
        self.frames: list[bytes] = []
        self.fed = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: bytes | str) -> None:
        self.frames.append(payload if isinstance(payload, bytes) else payload.encode())

    def text(self) -> str:
        while self.fed < len(self.frames):
            self.stream.feed(self.frames[self.fed])
            self.fed += 1
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, *texts: str, timeout: float = 20.0) -> float:
        """Seconds until the board shows every one of `texts` (AssertionError after timeout)."""
        start = time.monotonic()
        while not all(t in self.text() for t in texts):
            if time.monotonic() - start > timeout:
                raise AssertionError(f"the board never showed {texts}:\n{self.text()}")
            self.page.wait_for_timeout(50)
        return time.monotonic() - start

    def wait_for_line(self, lane: str, text: str, timeout: float = 20.0) -> float:
        """Seconds until the row of `lane` shows `text`."""
        start = time.monotonic()
        while text not in self.line(lane):
            if time.monotonic() - start > timeout:
                raise AssertionError(f"lane {lane} never showed {text!r}:\n{self.text()}")
            self.page.wait_for_timeout(50)
        return time.monotonic() - start

    def line(self, lane: str) -> str:
        return next((line for line in self.text().splitlines() if f" {lane} " in line), "")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the system's) under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
