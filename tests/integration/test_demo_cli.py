"""`stageterm demo` on a database it did not seed: refused in one line, nothing changed.

The installed command in a subprocess, on a real site made with `init` and `import`.
"""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REFUSAL = (
    "stageterm: not a demo database (it holds a site the demo did not seed); give another --db"
)


def real_site(run_cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    db = tmp_path / "site.db"
    assert run_cli("init", db=str(db)).returncode == 0
    locations = tmp_path / "locations.csv"
    locations.write_text("code,kind,name\nR-01,storage,Rack one\nLANE-9,lane,Lane nine\n")
    imported = run_cli("import", "locations", str(locations), db=str(db))
    assert imported.returncode == 0, imported.stderr
    return db


def snapshot(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return [
            *connection.execute("select code, kind from locations order by code"),
            *connection.execute("select name from sync_status order by name"),
            *connection.execute("select count(*) from events"),
        ]


def test_seed_only_refuses_a_real_site(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = real_site(run_cli, tmp_path)
    before = snapshot(db)
    result = run_cli("demo", "--db", str(db), "--seed-only")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [REFUSAL]
    assert "Badges" not in result.stdout
    assert snapshot(db) == before


def test_the_demo_ui_refuses_a_real_site_before_opening(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """In a terminal (a pty), without --seed-only: refused before the UI starts."""
    db = real_site(run_cli, tmp_path)
    before = snapshot(db)
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "stageterm"), "demo", "--db", str(db)],
            stdin=follower,
            stdout=follower,
            stderr=subprocess.PIPE,
            env=run_cli.env(None, None),
            cwd=run_cli.home,
            text=True,
            timeout=30,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [REFUSAL]
    assert snapshot(db) == before


def test_the_demo_still_reopens_its_own_site(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "demo.db"
    first = run_cli("demo", "--db", str(db), "--seed-only")
    assert first.returncode == 0 and first.stdout.startswith("Seeded demo site."), first.stderr
    again = run_cli("demo", "--db", str(db), "--seed-only")
    assert again.returncode == 0 and again.stdout.startswith("Already seeded demo site.")


@pytest.mark.parametrize("kind", ["operators"])
def test_a_site_with_only_people_is_not_the_demo(run_cli, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "people.db"
    assert run_cli("init", db=str(db)).returncode == 0
    people = tmp_path / "people.csv"
    people.write_text("badge,name,role\n7001,Sam Real,lead\n")
    assert run_cli("import", kind, str(people), db=str(db)).returncode == 0
    result = run_cli("demo", "--db", str(db), "--seed-only")
    assert (result.returncode, result.stderr.splitlines()) == (2, [REFUSAL])
