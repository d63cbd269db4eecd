"""A postgresql:// URL where psycopg is not installed (it is the `postgres` extra).

The import failure is made real in a subprocess: a meta-path finder refuses `psycopg`
(and the older `psycopg2`) before stageterm runs, as on an install without the extra.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

WITHOUT_PSYCOPG = """
import sys

class NoPsycopg:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("psycopg", "psycopg2", "psycopg_binary", "psycopg_c"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoPsycopg())
from stageterm.cli import main
sys.exit(main(sys.argv[1:]))
"""


def without_psycopg(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
    )


@pytest.mark.parametrize(
    "args",
    [
        ("queue", "--db", "postgresql://floor@127.0.0.1:1/site"),
        ("init", "--db", "postgres://floor@127.0.0.1:1/site"),
        ("sync", "--status", "--json", "--db", "postgresql://floor@127.0.0.1:1/site"),
    ],
)
def test_a_postgres_url_without_psycopg_is_one_line_exit_2(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = without_psycopg(tmp_path, *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "psycopg" in lines[0] and "stageterm[postgres]" in lines[0]


def test_sqlite_needs_no_psycopg(tmp_path: Path) -> None:
    """What `make demo` installs (no extra) still opens a SQLite site."""
    done = without_psycopg(tmp_path, "init", "--db", str(tmp_path / "site.db"))
    assert done.returncode == 0, done.stderr
    done = without_psycopg(tmp_path, "queue", "--json", "--db", str(tmp_path / "site.db"))
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
