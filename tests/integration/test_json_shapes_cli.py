"""`unit --json` and `audit --json` through the installed stageterm: the exact keys of SPEC §5.

Both are built from domain/shapes.py; these pin what a script reading them sees,
`overrides` included (a list in every history event, empty when nothing was approved).
"""

from __future__ import annotations

import json

import spec_keys

HISTORY_KEYS = set(spec_keys.HISTORY_KEYS)
UNIT_KEYS = {*spec_keys.UNIT_KEYS, "history"}


def test_unit_and_audit_json_carry_exactly_the_history_keys(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    # A lane of another route, approved by a lead: the event carries what was overridden.
    approved = run_cli(
        "move",
        "U00006",
        "--to",
        "L-01",
        "--operator",
        "1001",
        "--approve",
        "2001",
        "--json",
        db=demo_db,
    )
    assert approved.returncode == 0, approved.stderr

    shown = run_cli("unit", "U00006", "--json", db=demo_db)
    assert shown.returncode == 0, shown.stderr
    unit = json.loads(shown.stdout)
    assert set(unit) == UNIT_KEYS
    assert all(set(e) == HISTORY_KEYS for e in unit["history"])
    assert unit["history"][0]["overrides"] == []  # the receive: nothing approved
    last = unit["history"][-1]
    assert (last["approved_by"], last["overrides"]) == ("2001", ["wrong-lane"])

    audit = run_cli("audit", "--json", db=demo_db)
    assert audit.returncode == 0, audit.stderr
    events = json.loads(audit.stdout)
    assert events and all(set(e) == HISTORY_KEYS for e in events)
    # The same event reads the same through both doors.
    assert next(e for e in events if e["id"] == last["id"]) == last
