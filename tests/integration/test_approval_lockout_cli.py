"""Issue #16.1 through the command line: wrong PINs at `--approve` count toward the same
lockout as sign-in, held in the database, so a later process sees it too."""

from __future__ import annotations

import json


def move_with(run_cli, demo_db: str, pin: str) -> tuple[int, dict[str, object]]:  # type: ignore[no-untyped-def]
    done = run_cli(
        "move", "U00009", "--to", "L-01", "--operator", "1001",
        "--approve", "2002", "--pin", pin, "--json", db=demo_db,
    )  # fmt: skip
    return done.returncode, json.loads(done.stdout)


def test_seven_wrong_pins_then_the_right_one_does_not_approve(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    answers = [move_with(run_cli, demo_db, "0000") for _ in range(7)]
    assert [(code, a["code"]) for code, a in answers] == [(3, "bad-pin")] * 5 + [
        (3, "pin-locked")
    ] * 2
    code, right = move_with(run_cli, demo_db, "2468")
    assert (code, right["outcome"], right["code"]) == (3, "refused", "pin-locked")
    unit = json.loads(run_cli("unit", "U00009", "--json", db=demo_db).stdout)
    assert unit["location"] != "L-01"
    assert "2468" not in json.dumps(answers) + json.dumps(right)  # a PIN is never echoed
