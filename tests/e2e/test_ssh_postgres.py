"""Issue #6, done when: two terminals over SSH against one PostgreSQL database stage the
same unit at the same moment; one wins, the other is told who moved it, and both lanes
boards show the result within seconds.

Set up as docs/deployment.md §3 does it, with real programs only: a PostgreSQL server
(tests/integration/pg.py, unix socket), the demo site seeded into a fresh database by
`stageterm demo --db postgresql+psycopg://… --seed-only`, and one OpenSSH sshd whose
ForceCommand runs stageterm with STAGETERM_DB set to that URL. Two handhelds connect
with `ssh -tt` from tmux: Ana (badge 1001) on a 40x16 VT220, Ben (1002) on an 80x24
xterm. Ana targets L-07 (ACME, EAST), Ben L-11 (the shared EAST lane); U00006 (released,
order SO-1007 for ACME on route EAST) may plainly go to either, no approval needed.
Both type U00006 and press Enter in one tmux command, microseconds apart.

Run twice. As it comes: the two Enters leave tmux microseconds apart, and often one
terminal's move has committed before the other's begins; the later scan then finds a
unit another operator moved a moment ago, and the workflow makes it a question ("was
just moved ... scan it again", workflow.JUST_MOVED_S) instead of a second move (before
that rule, 2 of 7 such runs ended with the unit moved on and nobody told). Held at the
row: a third connection holds the unit's row lock (as a slow writer elsewhere would)
until PostgreSQL shows both terminals' move transactions waiting on it, then lets go, so
that the two moves are truly in flight together and the database decides who wins.

Proved: the unit is in exactly one lane, the winner's, with exactly one stage event (the
winner's badge and SSH terminal); the other terminal says who moved it, where and when;
both lanes boards show the winner's lane count; and one more move into that lane (by
`stageterm move` on the host: a third terminal) reaches both open boards within seconds,
through the change counter the boards poll.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sshkit import STAGETERM, Handhelds, PgSite, Sshd, SshTerminal

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

UNIT = "U00006"  # released, order SO-1007: ACME, route EAST
LATER_UNIT = "U00018"  # the same customer and route, for the refresh check
LANES = {"1001": "L-07", "1002": "L-11"}  # ACME's EAST lane; the shared EAST lane
NAMES = {"1001": "Ana Ortiz", "1002": "Ben Kowalski"}
CAPACITY = 8  # both lanes
TOLD = re.compile(
    rf"Unit {UNIT} was just moved to (?P<lane>L-\d\d) by (?P<name>[A-Z][a-z]+ [A-Z][a-z]+) "
    r"at (?P<at>\d\d:\d\d:\d\d); scan it again\."
)


def boards_show(handhelds: list[SshTerminal], lane: str, units: int, since: float) -> float:
    """Seconds from `since` until every one of `handhelds` shows its lanes board with `lane`
    holding `units` (of CAPACITY)."""
    waiting = list(handhelds)
    while waiting and time.monotonic() - since < 20:
        for handheld in list(waiting):
            screen = handheld.screen()
            row = next((line for line in screen.splitlines() if f" {lane} " in line), "")
            if "LANES" in screen and f" {units}/{CAPACITY}" in row:
                waiting.remove(handheld)
        time.sleep(0.05)
    for handheld in waiting:
        raise AssertionError(f"{lane} never showed {units}/{CAPACITY}:\n{handheld.screen()}")
    return time.monotonic() - since


def units_in(site: PgSite, lane: str) -> int:
    with site.server.connect(site.name) as db:
        row = db.execute("SELECT count(*) FROM units WHERE location = %s", (lane,)).fetchone()
    assert row is not None
    return int(row[0])


def wait_for_waiting_moves(site: PgSite, count: int, timeout: float = 30) -> None:
    """Until `count` transactions of the site wait for a lock on a unit row."""
    deadline = time.monotonic() + timeout
    waiting = 0
    with site.server.connect() as db:
        while time.monotonic() < deadline:
            row = db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE units%%'",
                (site.name,),
            ).fetchone()
            waiting = int(row[0]) if row else 0
            if waiting >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"only {waiting} of {count} moves reached the database")


def signed_in(handheld: SshTerminal, badge: str) -> None:
    handheld.wait_for("badge", timeout=30)
    handheld.scan(badge)
    handheld.wait_for("STAGE", NAMES[badge])
    handheld.scan(LANES[badge])
    handheld.wait_for(f"Target {LANES[badge]}", joined=True)


@pytest.mark.parametrize("held_at_the_row", [False, True], ids=["as-it-comes", "held-at-the-row"])
def test_two_ssh_terminals_stage_the_same_unit_at_once_on_postgresql(
    pg_site: PgSite,
    start_sshd: Callable[..., Sshd],
    handhelds: Handhelds,
    tmp_path: Path,
    held_at_the_row: bool,
) -> None:
    sshd = start_sshd(pg_site.url)
    ana = handhelds.open(sshd, size=(40, 16), term="vt220")
    ben = handhelds.open(sshd, size=(80, 24), term="xterm")
    terminal = {"1001": ana, "1002": ben}
    before = {badge: units_in(pg_site, lane) for badge, lane in LANES.items()}
    for badge, handheld in terminal.items():
        signed_in(handheld, badge)
    for handheld in terminal.values():
        handheld.type(UNIT)

    if held_at_the_row:  # both in flight at once: the row lock holds them until both wait
        with pg_site.server.connect(pg_site.name) as gate, gate.transaction():
            gate.execute("SELECT 1 FROM units WHERE code = %s FOR UPDATE", (UNIT,))
            handhelds.press_together([ana, ben], "Enter")
            pressed = time.monotonic()
            wait_for_waiting_moves(pg_site, 2)
    else:
        handhelds.press_together([ana, ben], "Enter")
        pressed = time.monotonic()
    released = time.monotonic()

    # Both terminals answer; then exactly one has won: the unit is in one lane, with one
    # stage event, the winner's.
    answers = (f"Unit {UNIT} to L-", "was just moved")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(any(a in t.text() for a in answers) for t in (ana, ben)):
            break
        time.sleep(0.05)
    answered = time.monotonic() - released
    with pg_site.server.connect(pg_site.name) as db:
        unit = db.execute("SELECT location, state FROM units WHERE code = %s", (UNIT,)).fetchone()
        events = db.execute(
            "SELECT type, to_location, operator, terminal, occurred_at, utc_offset_min"
            " FROM events WHERE unit = %s ORDER BY seq",
            (UNIT,),
        ).fetchall()
    assert unit is not None and unit[1] == "staged", (unit, ana.screen(), ben.screen())
    assert [e[0] for e in events] == ["receive", "stage"], events
    _, to_lane, winner, winner_terminal, occurred_at, offset = events[-1]
    loser = "1002" if winner == "1001" else "1001"
    assert (unit[0], to_lane) == (LANES[winner], LANES[winner])
    assert "pts/" in winner_terminal, winner_terminal  # the winner's own SSH session

    # The winner sees its OK; the other is told who moved the unit, where and when.
    terminal[winner].wait_for(f"Unit {UNIT} to {LANES[winner]}.", joined=True)
    told_text = terminal[loser].wait_for("was just moved", "scan it again.", joined=True)
    told = TOLD.search(told_text)
    assert told, told_text
    at = (occurred_at.replace(tzinfo=None) + timedelta(minutes=offset)).strftime("%H:%M:%S")
    assert (told["lane"], told["name"], told["at"]) == (LANES[winner], NAMES[winner], at)
    assert units_in(pg_site, LANES[loser]) == before[loser]

    # Both lanes boards show the winner's lane with the unit in it.
    # Acknowledge the refusal first, as the floor does. A person reads it first: a bare
    # Enter within 0.15 s of a scan's end is taken as the end of that scanner burst, not
    # as an acknowledgement (the race itself can be over in 30 ms).
    time.sleep(max(0.0, pressed + 0.5 - time.monotonic()))
    terminal[loser].keys("Enter")
    terminal[loser].wait_for("Acknowledged", joined=True)
    opened = time.monotonic()
    ana.keys("C-l")
    ben.keys("C-l")
    staged = before[winner] + 1
    boards = boards_show([ana, ben], LANES[winner], staged, since=opened)

    # Another terminal moves one more unit into that lane: both open boards follow.
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAGETERM_")}
    env.update(
        STAGETERM_DB=pg_site.url, STAGETERM_TERMINAL="host-cli", HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
    )  # fmt: skip
    done = subprocess.run(
        [str(STAGETERM), "move", LATER_UNIT, "--to", LANES[winner], "--operator", "2001"],
        env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    committed = time.monotonic()
    refresh = boards_show([ana, ben], LANES[winner], staged + 1, since=committed)

    print(
        f"\n{NAMES[winner]} won ({LANES[winner]}); {NAMES[loser]} was told: {told.group(0)!r}"
        f"\nboth answers on screen {answered:.2f} s after the moves were let go;"
        f" boards showed {LANES[winner]} {staged}/{CAPACITY} {boards:.2f} s after Ctrl-L;"
        f" a move from another terminal reached both open boards {refresh:.2f} s after it"
        " committed"
    )
