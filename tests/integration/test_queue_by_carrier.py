"""`stageterm queue --by carrier` (SPEC §5): the installed command on the demo site."""

from __future__ import annotations

import json


def test_queue_by_carrier(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("queue", "--by", "carrier", "--json", db=demo_db)
    assert result.returncode == 0, result.stderr
    lanes = json.loads(result.stdout)
    keys = [(lane["carrier"] or "~", lane["lane"]) for lane in lanes]
    assert keys == sorted(keys) and len(lanes) == 12
    assert {lane["carrier"] for lane in lanes} == {"DHL", "DSV"}
    table = run_cli("queue", "--by", "carrier", db=demo_db)
    assert table.returncode == 0 and table.stdout.startswith("CARRIER ")
    assert table.stdout.splitlines()[1].startswith("DHL ")


def test_queue_by_something_else_is_a_usage_error(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("queue", "--by", "colour", db=demo_db)
    assert result.returncode == 1
    assert "choose from 'customer', 'route', 'carrier'" in result.stderr
