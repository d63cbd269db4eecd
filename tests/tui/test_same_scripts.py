"""The same scan scripts through `stageterm scan` and through the terminal UI give the
same outcomes and leave the same database: both shells drive one `FloorSession`.

Each script runs on its own copy of the demo site (seeded now). The
command line signs in with `--operator`, the terminal with the badge scan; "" is a bare
Enter (it acknowledges the refusal before it); a lead's PIN is `--pin` on the command
line and typed into the PIN prompt at the terminal.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tui_kit import post_keys, until

from stageterm.config.model import Settings
from stageterm.demo import seed
from stageterm.services.site import Site
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade
from stageterm.tui.app import StagetermApp
from stageterm.tui.messages import Acknowledged, Answered, PinAsked
from stageterm.tui.screens.prompts import PromptScreen

OPERATOR = "1001"
SCRIPTS = {
    "lane first": (["L-04", "U00003", "U00003"], None),
    "unit first": (["U00003", "L-04"], None),
    "refusal, then Enter, then the next": (["L-04", "U00037", "", "U00003"], None),
    "a scan past a refusal is not taken": (["L-04", "U00037", "U00003", "", "U00003"], None),
    "approval by a lead without a PIN": (["L-01", "U00009", "2001"], None),
    "approval by a lead with a PIN": (["L-01", "U00009", "2002"], "2468"),
    "an operator's badge does not approve": (["L-01", "U00009", "1002", "", "@CANCEL"], None),
    "command barcodes act on the unit on screen": (
        ["L-04", "U00003", "U00107", "@HOLD", "", "@UNDO"],
        None,
    ),
    "back to back": (["L-04", "U00003", "U00004", "U00006", "U00008"], None),
    "a hold with its reason in the scan": (["U00003", "@HOLD wet pallet"], None),
}


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """The demo site seeded now (both shells run at the wall clock: a site seeded at
    another date would have its expiries fall differently); each shell gets a copy."""
    path = tmp_path / "seeded.db"
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    seed(store, now=datetime.now().astimezone())
    store.dispose()
    return path


def copy_of(seeded: Path, name: str) -> str:
    path = seeded.with_name(f"{name}.db")
    shutil.copyfile(seeded, path)
    return f"sqlite:///{path}"


def site_state(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What the scripts changed: every unit where and how it is, and the events since the
    seed in order (times, ids and terminals aside)."""
    store = open_store(url)
    try:
        site = Site(store)
        units = [
            (u.code, u.location, u.state.value, u.quality.value)
            for u in (site.views.unit(f"U{n:05d}") for n in range(1, 201))
            if u is not None
        ]
        events = [
            (
                e.type.value,
                e.unit,
                e.from_location,
                e.to_location,
                e.operator,
                e.approved_by,
                e.overrides,
                e.reason,
            )
            for e in site.views.audit()
            if e.terminal != "demo-dock-1" and e.type.value != "receive"
        ]
        return units, events
    finally:
        store.dispose()


def through_the_command_line(
    run_cli: Any, url: str, raws: list[str], pin: str | None
) -> list[tuple[str, str | None]]:
    args = ["scan", *raws, "--operator", OPERATOR, "--json"] + (["--pin", pin] if pin else [])
    done = run_cli(*args, db=url)
    assert done.stderr == "" or "Traceback" not in done.stderr, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(raws), done.stdout
    return [(a["outcome"], a["code"]) for raw, a in zip(raws, answers, strict=True) if raw != ""]


async def through_the_terminal(
    url: str, raws: list[str], pin: str | None
) -> list[tuple[str, str | None]]:
    store = open_store(url)
    site = Site(store, terminal="tui-script", settings=Settings(idle_minutes=0))
    app = StagetermApp(site=site, settings=Settings(idle_minutes=0))
    seen: list[Any] = []
    post = app.desk.post

    def record(message: Any) -> None:
        seen.append(message)
        post(message)

    app.desk.post = record  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await send(pilot, app, seen, OPERATOR)  # the badge signs in
            for raw in raws:
                await send(pilot, app, seen, raw)
                if isinstance(seen[-1], PinAsked):
                    assert pin is not None, "the script gives no PIN"
                    await until(pilot, lambda: isinstance(app.screen, PromptScreen))
                    await send(pilot, app, seen, pin)
    finally:
        store.dispose()
    answers = [m.entry.result for m in seen if isinstance(m, Answered)][1:]  # after sign-in
    return [(r.outcome.value, r.code) for r in answers]


async def send(pilot: Any, app: StagetermApp, seen: list[Any], raw: str) -> None:
    before = len(seen)
    if raw == "":  # a bare Enter right after a scan's own Enter is taken for its echo
        await pilot.pause(0.25)
    post_keys(app, raw + "\r")
    await until(pilot, lambda: len(seen) > before, what=f"the answer to {raw!r}")
    if isinstance(seen[-1], Answered | Acknowledged):
        await pilot.pause(0.05)


@pytest.mark.parametrize("name", list(SCRIPTS))
async def test_the_same_script_gives_the_same_outcomes_and_database(
    name: str, seeded: Path, run_cli: Any
) -> None:
    raws, pin = SCRIPTS[name]
    by_cli, by_tui = copy_of(seeded, "cli"), copy_of(seeded, "tui")
    cli_outcomes = through_the_command_line(run_cli, by_cli, raws, pin)
    tui_outcomes = await through_the_terminal(by_tui, raws, pin)
    assert cli_outcomes == tui_outcomes
    cli_units, cli_events = site_state(by_cli)
    tui_units, tui_events = site_state(by_tui)
    assert cli_units == tui_units
    assert cli_events == tui_events
    assert cli_outcomes, "the script asked nothing"
