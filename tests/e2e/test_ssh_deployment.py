"""A handheld's view of a site: a real OpenSSH sshd on 127.0.0.1 runs stageterm as a ForceCommand.

The client connects with `ssh -tt` inside tmux (as a terminal client would), signs in,
scans a lane and a unit; the unit is staged, and the event names the SSH session's own
terminal (host + its pseudo-terminal).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sshkit import Handhelds, Sshd

pytestmark = pytest.mark.e2e


def test_a_handheld_signs_in_over_ssh_and_stages_a_unit(
    start_sshd: Callable[..., Sshd], handhelds: Handhelds, site_db: Path
) -> None:
    handheld = handhelds.open(start_sshd(str(site_db)), size=(40, 16), term="vt220")
    handheld.wait_for("badge")
    handheld.scan("1001")
    handheld.wait_for("Ana")
    handheld.scan("L-04")
    handheld.wait_for("L-04")
    handheld.scan("U00003")
    handheld.wait_for("U00003")
    deadline = time.monotonic() + 10
    row = None
    while time.monotonic() < deadline and row is None:
        with sqlite3.connect(site_db) as db:
            row = db.execute(
                "SELECT to_location, operator, terminal FROM events "
                "WHERE unit = 'U00003' AND type = 'stage'"
            ).fetchone()
        time.sleep(0.2)
    assert row is not None, handheld.screen()
    to_location, operator, terminal = row
    assert (to_location, operator) == ("L-04", "1001")
    assert "pts/" in terminal, terminal  # this SSH session's own terminal id
