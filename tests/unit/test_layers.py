"""The pure layers import what they promise and no more (STYLE.md): the domain only the
standard library, scanning only the standard library, biip and the domain. Read from the
source, so an import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "stageterm"


def imported_roots(package: str, root: Path = SRC) -> dict[str, set[str]]:
    """Each module of `package` -> the top-level names it imports (project modules whole)."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(root))] = {
            ".".join(n.split(".")[:2]) if n.startswith("stageterm.") else n.split(".")[0]
            for n in names
        }
    return found


@pytest.mark.parametrize(
    ("package", "allowed"),
    [
        ("domain", {"stageterm.domain"}),
        ("scanning", {"stageterm.domain", "stageterm.scanning", "biip"}),
    ],
)
def test_pure_layers_import_only_what_they_promise(package: str, allowed: set[str]) -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    wrong = {
        module: sorted(names - stdlib - allowed)
        for module, names in imported_roots(package).items()
        if names - stdlib - allowed
    }
    assert wrong == {}
    assert imported_roots(package), "no modules read: the test would prove nothing"


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        "from stageterm.domain.model import Unit\ndef f():\n    import sqlalchemy.orm\n",
        encoding="utf-8",
    )
    assert imported_roots("pkg", tmp_path) == {"pkg/m.py": {"stageterm.domain", "sqlalchemy"}}
