"""Start to sign-in screen ≤ 1.0 s (SPEC §10): the terminal UI must not wait for the heavy
imports. These guard the cheap part of that budget; benchmarks/tui_startup.py times it."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from stageterm.cli import _commands_needed, build_parser

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "biip", "PIL", "httpx")


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


def test_the_services_load_sqlalchemy_when_first_used() -> None:
    assert _loaded_after("from stageterm.services import Denied, Outcome, Result") == set()
    loaded = _loaded_after("from stageterm.services import Services")
    assert {"sqlalchemy", "sqlmodel"} <= loaded


def test_classify_is_the_function_whichever_import_comes_first() -> None:
    probe = (
        "import stageterm.scanning.classifier\n"
        "from stageterm.scanning import classify\n"
        "assert callable(classify), classify\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_classify_loads_biip_when_first_used_and_stays_the_function() -> None:
    probe = (
        "import stageterm.scanning as s, sys\n"
        "assert 'biip' not in sys.modules\n"
        "from stageterm.scanning import classify\n"
        "assert callable(classify) and s.classify is classify, s.classify\n"
        "print(classify('U00003').__class__.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "UnitScan"


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
