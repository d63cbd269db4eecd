"""Who may import with a badge on the receive events: an admin (the rule is the site's
master_data use case; the command only says it)."""

from __future__ import annotations

import json
from pathlib import Path


def test_import_with_a_badge_is_for_an_admin(run_cli, demo_db: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = tmp_path / "locations.csv"
    rows.write_text(
        "code,kind,name,customer,route,carrier,capacity,work_order\nS-99,storage,Shelf 99,,,,,\n",
        encoding="utf-8",
    )
    refused = run_cli("import", "locations", str(rows), "--operator", "1001", db=demo_db)
    assert refused.returncode == 3, refused.stderr
    assert refused.stderr.strip() == (
        "stageterm: imports need an admin: badge 1001 is operator, not admin"
    )
    assert run_cli("suggest", "U00001", db=demo_db).returncode == 0  # the site is there
    done = run_cli("import", "locations", str(rows), "--operator", "9001", db=demo_db)
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout
    queue = run_cli("queue", "--json", db=demo_db)
    assert queue.returncode == 0 and isinstance(json.loads(queue.stdout), list)
