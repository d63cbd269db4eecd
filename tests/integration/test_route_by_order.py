"""Issue #12.3 through the door the user used: a unit leaves on its order's route.

U00009 (demo: order SO-1010, route SOUTH) approved into L-01 (ACME, NORTH) used to be
loaded onto the NORTH dock because the load compared the dock with the lane.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

# The `run_cli` fixture (tests/conftest.py): the installed stageterm in a subprocess.
CliRunner = Callable[..., subprocess.CompletedProcess[str]]


def answer(run_cli: CliRunner, demo_db: str, *args: str) -> tuple[int, dict[str, object]]:
    done = run_cli(*args, "--operator", "1001", "--json", db=demo_db)
    return done.returncode, json.loads(done.stdout)


def test_a_unit_approved_into_another_routes_lane_loads_on_its_orders_route(
    run_cli: CliRunner, demo_db: str
) -> None:
    unit = json.loads(run_cli("unit", "U00009", "--json", db=demo_db).stdout)
    assert unit["order"] == "SO-1010"
    code, moved = answer(run_cli, demo_db, "move", "U00009", "--to", "L-01", "--approve", "2001")
    assert (code, moved["outcome"]) == (0, "moved")

    code, north = answer(run_cli, demo_db, "load", "U00009", "--to", "D-1")
    assert (code, north["outcome"], north["code"]) == (3, "refused", "route-mismatch")
    assert north["message"] == "Unit U00009 is for route SOUTH (order SO-1010), not NORTH."

    code, south = answer(run_cli, demo_db, "load", "U00009", "--to", "D-2")
    assert (code, south["outcome"], south["to"]) == (0, "moved", "D-2")
