"""Regenerate the screenshots: `python scripts/screenshots.py DIR [NAME...]` (`make screenshots`;
names: only those shots).

The real app on a fresh demo database with a fixed clock, driven by keys as an operator
would: every screen at 80x24, and the stage, lanes and buffers screens at 40x16 (plus
ASCII mode), and an approval listing several rules.
Writes SVG (Textual's export) and PNG (rsvg-convert, when installed).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from textual.pilot import Pilot

from stageterm.cli import open_migrated_store
from stageterm.config.model import Settings
from stageterm.demo import seed
from stageterm.services.site import Site
from stageterm.tui.app import StagetermApp
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.synclink import SyncLink

# A Monday, twenty to six in the morning, one hour east of UTC.
FIXED_NOW = datetime(2026, 3, 2, 5, 40, tzinfo=timezone(timedelta(hours=1)))
UNREACHABLE = (
    "http://127.0.0.1:9/epcis"  # the discard port: nothing listens, the connection is refused
)

Steps = Callable[[Pilot[int]], Awaitable[None]]


async def settle(
    pilot: Pilot[int], check: Callable[[], object] = lambda: True, timeout: float = 10
) -> None:
    """Run the app until `check()` holds and nothing is loading."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.05)
        busy = any(w.is_running for w in pilot.app.workers if w.group != "changes")
        if check() and not busy:
            await pilot.pause(0.2)
            return
    raise TimeoutError(f"screenshot steps did not settle on {pilot.app.screen!r}")


async def keys(pilot: Pilot[int], *scans: str) -> None:
    """Type each scan and Enter, as a scanner would, waiting for each answer."""
    for scan in scans:
        await pilot.press(*scan, "enter")
        await settle(pilot)


async def signed_in(pilot: Pilot[int]) -> None:
    await keys(pilot, "1001")


async def stage_ok(pilot: Pilot[int], unit: str = "U00003") -> None:
    await signed_in(pilot)
    await keys(pilot, "L-04", unit)


async def stage_refused(pilot: Pilot[int]) -> None:
    await signed_in(pilot)
    await keys(pilot, "L-03", "U00002", "U00037")


async def stage_approval(pilot: Pilot[int]) -> None:
    await signed_in(pilot)
    await keys(pilot, "L-03", "U00005")


async def approval_rules(pilot: Pilot[int]) -> None:
    """One approval, several rules: U00112 (SO-1005, BOLT / NORTH) into L-01 (ACME / NORTH)
    is wrong-lane, and an earlier-expiring FG-101 waits in storage (fefo-skip)."""
    await signed_in(pilot)
    await keys(pilot, "L-01", "U00112")


async def pin_prompt(pilot: Pilot[int]) -> None:
    await stage_approval(pilot)
    await pilot.press(*"2002", "enter")
    await settle(pilot)
    await pilot.press(*"24")
    await settle(pilot)


async def on(pilot: Pilot[int], key: str, *more: str) -> None:
    await signed_in(pilot)
    await pilot.press(key)
    await settle(pilot, lambda: isinstance(pilot.app.screen, FloorScreen))
    for extra in more:
        await pilot.press(extra)
        await settle(pilot)


async def lane_detail(pilot: Pilot[int]) -> None:
    await on(pilot, "f3", "down", "down")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot)


async def unit_history(pilot: Pilot[int]) -> None:
    await on(pilot, "f4")
    await keys(pilot, "U00003")


async def sync_failing(pilot: Pilot[int]) -> None:
    app = pilot.app
    assert isinstance(app, StagetermApp) and app.sync is not None
    worker = app.sync.worker
    await on(pilot, "f6")
    await settle(pilot, lambda: worker.status().last_error is not None)
    if isinstance(app.screen, FloorScreen):
        app.screen.load()
    await settle(pilot)


def unreachable_upstream(site: Site) -> SyncLink:
    """A real sync worker whose upstream refuses connections: what a site sees in an outage."""
    from stageterm.sync import SyncWorker
    from stageterm.sync.options import SyncOptions

    store = site.store
    options = SyncOptions(retry_attempts=1, retry_initial=0.1, connect_timeout=1.0, poll=0.5)
    worker = SyncWorker(store, url=UNREACHABLE, site="demo", terminal="dock-1", options=options)
    return SyncLink(worker, UNREACHABLE, worker.close)


async def health(pilot: Pilot[int]) -> None:
    """A lead's health screen: the shift's buffer, alerts waiting, dwell per lane."""
    await keys(pilot, "2001")
    await pilot.press("ctrl+w")
    await settle(pilot, lambda: isinstance(pilot.app.screen, FloorScreen))
    await pilot.pause(9)  # past the flash of the newest alert: the key bar shows the keys
    await settle(pilot)


async def nothing(pilot: Pilot[int]) -> None:
    await settle(pilot)


@dataclass(frozen=True)
class Shot:
    name: str
    size: tuple[int, int]
    steps: Steps
    ascii: bool = False
    sync: bool = False


SHOTS = (
    Shot("sign-in", (80, 24), nothing),
    Shot("stage-ok", (80, 24), stage_ok),
    Shot("stage-refused", (80, 24), stage_refused),
    Shot("stage-approval", (80, 24), stage_approval),
    Shot("pin-prompt", (80, 24), pin_prompt),
    Shot("lanes", (80, 24), lambda p: on(p, "f3")),
    Shot("lane", (80, 24), lane_detail),
    Shot("unit", (80, 24), unit_history),
    Shot("kitting", (80, 24), lambda p: on(p, "f5")),
    Shot("sync", (80, 24), sync_failing, sync=True),
    Shot("help", (80, 24), lambda p: on(p, "f1")),
    Shot("stage-refused-40x16", (40, 16), stage_refused),
    Shot("stage-ok-40x16", (40, 16), lambda p: stage_ok(p, "U00027")),
    Shot("lanes-40x16", (40, 16), lambda p: on(p, "f3")),
    Shot("stage-refused-40x16-ascii", (40, 16), stage_refused, ascii=True),
    # Last: they change nothing the shots above show.
    Shot("buffers", (80, 24), lambda p: on(p, "f11")),
    Shot("buffers-40x16", (40, 16), lambda p: on(p, "ctrl+f")),
    Shot("stage-approval-rules", (80, 24), approval_rules),
    Shot("health", (80, 24), health),
    Shot("health-40x16", (40, 16), health),
    Shot("health-40x16-ascii", (40, 16), health, ascii=True),
)


def for_rsvg(svg: str) -> str:
    """rsvg-convert drops the no-break spaces Textual writes; plain spaces kept verbatim draw right."""
    return svg.replace("&#160;", " ").replace("<svg ", '<svg xml:space="preserve" ', 1)


async def take(shot: Shot, site: Site, settings: Settings, out: Path) -> Path:
    sync = unreachable_upstream(site) if shot.sync else None
    app = StagetermApp(site=site, settings=settings.replace(ascii=shot.ascii), sync=sync)
    try:
        async with app.run_test(size=shot.size) as pilot:
            await settle(pilot)
            await shot.steps(pilot)
            svg = app.export_screenshot(title=f"stageterm - {shot.name}")
    finally:
        if sync is not None:
            sync.close()
    path = out / f"{shot.name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def to_png(svg: Path) -> Path | None:
    rsvg = shutil.which("rsvg-convert")
    if rsvg is None:
        return None
    png = svg.with_suffix(".png")
    with tempfile.NamedTemporaryFile("w", suffix=".svg", encoding="utf-8") as fixed:
        fixed.write(for_rsvg(svg.read_text(encoding="utf-8")))
        fixed.flush()
        subprocess.run([rsvg, "--zoom", "0.8", fixed.name, "-o", str(png)], check=True)
    return png


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python scripts/screenshots.py DIR [NAME...]", file=sys.stderr)
        return 1
    wanted = set(argv[1:]) or {shot.name for shot in SHOTS}
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TERM"] = (
        "xterm-256color"  # the key bar reads it: the same pictures from any terminal
    )
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=str(Path(tmp) / "demo.db"), idle_minutes=0, terminal="dock-1")
        store = open_migrated_store(settings, True)
        try:
            seed(store, now=FIXED_NOW)
            site = Site(store, terminal="dock-1", settings=settings, clock=lambda: FIXED_NOW)
            for shot in (s for s in SHOTS if s.name in wanted):
                svg = asyncio.run(take(shot, site, settings, out))
                png = to_png(svg)
                print(f"{svg}" + (f"  {png}" if png else "  (no rsvg-convert: SVG only)"))
        finally:
            store.dispose()
    if shutil.which("rsvg-convert") is None:
        print(
            "PNG needs rsvg-convert: sudo apt-get install -y librsvg2-bin fonts-firacode",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
