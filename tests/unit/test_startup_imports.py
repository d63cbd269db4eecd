"""Start to sign-in screen ≤ 1.0 s (SPEC §10): the terminal UI must not wait for the heavy
imports. These guard the cheap part of that budget; benchmarks/tui_startup.py times it."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from stageterm.cli import _commands_needed, build_parser

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "biip", "PIL", "httpx", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    return {name for name in HEAVY if name in out}


def test_the_terminal_ui_path_paints_without_the_database_libraries() -> None:
    loaded = _loaded_after(
        "from stageterm.cli import build_parser\n"
        "build_parser([]).parse_args([])\n"
        "import stageterm.tui.app"
    )
    assert loaded == set()


def test_version_and_the_command_line_load_no_settings_library() -> None:
    """pydantic-settings costs more than the rest of `stageterm --version` together: it
    loads with the settings, not with the package that reads them."""
    probe = (
        "import sys\n"
        "from stageterm.cli import build_parser\n"
        "import stageterm.config\n"
        "from stageterm.config import ConfigError, load_settings, normalise_db_url\n"
        "try:\n"
        "    build_parser(['--version']).parse_args(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('loaded:', *(m for m in ('pydantic', 'pydantic_settings') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("stageterm ")  # --version answered
    assert out.stdout.splitlines()[-1] == "loaded:"
    loaded = _loaded_after("from stageterm.config import load_settings\nload_settings({}, {})")
    assert loaded == set()  # the settings need none of the database libraries either


def test_the_answer_types_are_light_and_the_site_brings_the_database() -> None:
    light = "from stageterm.services.results import Denied, Outcome, Result\n"
    light += "from stageterm.services.replies import Reply, ScanEntry, SessionView"
    assert _loaded_after(light) == set()
    loaded = _loaded_after("from stageterm.services.site import Site")
    assert {"sqlalchemy", "sqlmodel"} <= loaded


def test_the_board_and_the_terminal_load_the_feed_only_when_they_pull() -> None:
    """A browser waits for a board process to start (first paint ≤ 2 s, SPEC §10): the
    master-data feed (httpx, biip, the intake's row models) is loaded on the pull's first
    use, never by building a Site, the terminal app or the board."""
    built = (
        "from stageterm.services.site import Site\n"
        "from stageterm.store.engine import open_store\n"
        "import stageterm.tui.app, stageterm.tui.board\n"
        "site = Site(open_store('sqlite://'))"
    )
    assert _loaded_after(built) & {"httpx", "biip"} == set()
    assert {"httpx", "biip"} <= _loaded_after(built + "\nsite.pull")


def test_scanning_without_classify_loads_no_biip() -> None:
    assert _loaded_after("import stageterm.scanning") == set()
    assert "biip" in _loaded_after("from stageterm.scanning.classifier import classify")


def test_numpy_loads_with_the_first_report_not_with_the_site(tmp_path: Path) -> None:
    # ~0.15 s of imports: a terminal, a `move` or the board never build a report.
    built = (
        "from stageterm.services.site import Site\n"
        "from stageterm.store.engine import open_store\n"
        "from stageterm.store.migrate import upgrade\n"
        "import stageterm.tui.app, stageterm.tui.board, stageterm.commands.report\n"
        f"store = open_store('sqlite:///{tmp_path / 'site.db'}')\n"
        "upgrade(store)\n"
        "site = Site(store)\n"
    )
    probe = "import sys\nprint('numpy' in sys.modules)"
    run = [sys.executable, "-c"]
    before = subprocess.run([*run, built + probe], capture_output=True, text=True)
    assert before.returncode == 0, before.stderr
    assert before.stdout.split() == ["False"]
    report = "site.staging_report.build()\n"
    after = subprocess.run([*run, built + report + probe], capture_output=True, text=True)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ["True"]


def test_the_report_loads_matplotlib_only_to_plot() -> None:
    # ~0.3-0.6 s of imports (docs/health.md): only `report --plot` pays them.
    # (The plot module imports it inside `draw`; the --plot tests run that.)
    report = (
        "from stageterm.services.site import Site\n"
        "import stageterm.commands.report, stageterm.commands.report_plot"
    )
    assert "matplotlib" not in _loaded_after(report)


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        ([], []),
        (["--db", "x.db"], []),
        (["--db=x.db"], []),
        (["move", "U1", "--to", "L-01"], ["move"]),
        (["--db", "x.db", "undo", "U1"], ["undo"]),
        (["--help"], None),
        (["bogus"], None),
        (["--db"], None),
        (["--db=x.db", "move", "U1"], ["move"]),
        (["-h", "move"], None),
        (["--version", "move"], ["move"]),
        (["--d", "x.db", "queue"], None),  # an abbreviation: argparse decides, all loaded
    ],
)
def test_only_the_command_asked_for_is_loaded(argv: list[str], needed: list[str] | None) -> None:
    assert _commands_needed(argv) == needed


def test_help_still_lists_every_command() -> None:
    text = build_parser(["--help"]).format_help()
    for command in ("demo", "import", "move", "undo", "queue", "sync", "audit", "label"):
        assert command in text


def _commands_in(parser: argparse.ArgumentParser) -> set[str]:
    return next(set(a.choices or ()) for a in parser._actions if a.dest == "command")


def test_the_command_map_names_every_registered_command_and_only_those() -> None:
    from stageterm.commands import COMMANDS

    assert _commands_in(build_parser(["--help"])) == set(COMMANDS)
    for command, module in COMMANDS.items():  # one command loads its module's commands only
        assert _commands_in(build_parser([command])) == {
            c for c, m in COMMANDS.items() if m == module
        }


def test_the_terminal_ui_paints_before_pydantic_loads() -> None:
    """Plain `stageterm` reads its settings in the app's opening worker: building the app
    and what its first paint needs (plain ASCII, terminal id) load no pydantic (~0.3 s)."""
    probe = (
        "import sys\n"
        "from stageterm.cli import build_parser\n"
        "build_parser([]).parse_args([])\n"
        "from stageterm.tui.app import StagetermApp\n"
        "app = StagetermApp(site=lambda: None, settings=lambda: None)\n"
        "print(app._hints[1], 'pydantic' in sys.modules, 'pydantic_settings' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "STAGETERM_TERMINAL": "DOCK-7"},
    ).stdout.split()
    assert out == ["DOCK-7", "False", "False"]
