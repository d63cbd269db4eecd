"""The standby (src/stageterm/standby/): a command-line `move` handed to a preloaded
process answers as the command's own process would, through the caller's own stdout,
stderr and exit code, with the caller's environment, folder and signals.

Each test has its own standby: XDG_RUNTIME_DIR is a private folder of the test's, so the
socket (and the standby) is the test's alone; it ends a few seconds after the test.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import IO

import pytest

from stageterm.standby import place

STAGETERM = Path(sys.executable).parent / "stageterm"
UNIT, LANE, STORAGE = "U00003", "L-04", "S-12"


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A runtime folder short enough for a socket's path (tmp_path is not)."""
    folder = Path(tempfile.mkdtemp(prefix="st-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def env(runtime: Path, demo_db: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The caller's environment: its own runtime folder, the demo site, no terminal id (so
    an event names the process that wrote it: host:pidN)."""
    home = tmp_path / "home"
    home.mkdir()
    values = {k: v for k, v in os.environ.items() if not k.startswith("STAGETERM_")}
    values.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        STAGETERM_DB=demo_db,
        STAGETERM_STANDBY_IDLE_S="5",
        LANG="C.UTF-8",
    )
    values.pop("LC_ALL", None)
    yield values
    stop_standby(values)


def stop_standby(values: dict[str, str]) -> None:
    path = place.socket_path(values)
    if path is not None and path.exists():
        path.unlink()  # a standby whose socket is gone ends within a second


def stageterm(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(STAGETERM), *args],
        env=env,
        cwd=cwd or env["HOME"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> tuple[int, str, str, int]:
    """(exit code, stdout, stderr, pid of the caller)."""
    process = stageterm(env, *args, cwd=cwd)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err, process.pid


def standing_by(env: dict[str, str]) -> None:
    """Start this environment's standby (a first command does) and wait until it listens."""
    path = place.socket_path(env)
    assert path is not None
    run(env, "unit", UNIT)
    deadline = time.monotonic() + 30
    while not path.exists():
        assert time.monotonic() < deadline, "no standby started"
        time.sleep(0.05)


def last_event(db_url: str) -> tuple[str, str]:
    """(terminal, to_location) of the newest event."""
    path = db_url.removeprefix("sqlite:///")
    with closing(sqlite3.connect(path)) as db:
        terminal, to = db.execute(
            "SELECT terminal, to_location FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    return terminal, to


def move(
    env: dict[str, str], to: str, *extra: str, cwd: Path | None = None
) -> tuple[int, str, str, int]:
    return run(env, "move", UNIT, "--to", to, "--operator", "1001", *extra, cwd=cwd)


def test_a_move_handed_to_the_standby_answers_as_its_own_process(env: dict[str, str]) -> None:
    standing_by(env)
    code, out, err, caller = move(env, LANE, "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert (answer["outcome"], answer["to"]) == ("moved", LANE)
    terminal, to = last_event(env["STAGETERM_DB"])
    # Written by the standby's child for this command, not by the caller's process.
    assert to == LANE and terminal.endswith(":pid" + terminal.rsplit(":pid", 1)[1])
    assert terminal.rsplit(":pid", 1)[1] != str(caller)
    # The same command with the standby switched off: the caller's own process writes.
    code, out, err, caller = move({**env, "STAGETERM_STANDBY": "off"}, STORAGE, "--json")
    assert code == 0, err
    assert last_event(env["STAGETERM_DB"]) == (
        terminal.rsplit(":", 1)[0] + f":pid{caller}",
        STORAGE,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("move", UNIT, "--to", "NOPE-1", "--operator", "1001"),  # refused: exit code of its own
        ("move", UNIT, "--to", LANE),  # usage: --operator missing
        ("move", UNIT, "--to", LANE, "--operator", "1001", "--db", "/nowhere/x.db"),
        ("unit", "U00003", "--json"),
        ("report", "--csv", "--since", "2026-01-01", "--until", "2026-01-02"),
        ("report", "--since", "2026-01-02", "--until", "2026-01-01"),  # bad input
        ("move", "--help"),
    ],
)
def test_exit_codes_and_both_streams_are_the_commands_own(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    standing_by(env)
    handed = run(env, *args)[:3]
    alone = run({**env, "STAGETERM_STANDBY": "off"}, *args)[:3]
    assert handed == alone


def test_each_call_has_its_own_environment_and_folder(
    env: dict[str, str], tmp_path: Path, demo_db: str
) -> None:
    standing_by(env)
    # Another site, named by a path relative to the caller's folder.
    (tmp_path / "other").mkdir()
    other = tmp_path / "other" / "site.db"
    source = sqlite3.connect(demo_db.removeprefix("sqlite:///"))
    with closing(source), closing(sqlite3.connect(other)) as copy:
        source.backup(copy)
    code, _, err, _ = move(
        {**env, "STAGETERM_DB": other.name, "STAGETERM_TERMINAL": "dock-7"}, LANE, cwd=other.parent
    )
    assert code == 0, err
    assert last_event(f"sqlite:///{other}") == ("dock-7", LANE)
    assert last_event(env["STAGETERM_DB"])[1] != LANE  # the first site did not move


def test_a_signal_to_the_caller_reaches_the_command(env: dict[str, str]) -> None:
    """Ctrl-C while the move waits for another program's write: the command stops as it
    would on its own (exit 130); SIGTERM ends the caller as SIGTERM ends a process."""
    standing_by(env)
    path = env["STAGETERM_DB"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        for signum, expected in ((signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)):
            process = stageterm(env, "move", UNIT, "--to", LANE, "--operator", "1001")
            time.sleep(1.5)  # handed over, and waiting for the lock
            process.send_signal(signum)
            process.communicate(timeout=30)
            assert process.returncode == expected
        holder.execute("ROLLBACK")
    assert last_event(env["STAGETERM_DB"])[1] != LANE


def test_no_standby_where_others_could_reach_its_socket(runtime: Path) -> None:
    (runtime / "stageterm").mkdir()
    os.chmod(runtime / "stageterm", 0o755)  # others may open it: no standby
    assert place.private_folder({"XDG_RUNTIME_DIR": str(runtime)}) is None
    os.chmod(runtime / "stageterm", 0o700)
    assert place.private_folder({"XDG_RUNTIME_DIR": str(runtime)}) == runtime / "stageterm"


def test_a_runtime_folder_too_long_for_a_socket_is_not_used(tmp_path: Path) -> None:
    long = tmp_path / ("x" * 80)
    long.mkdir()
    assert place.private_folder({"XDG_RUNTIME_DIR": str(long)}) == (
        Path("/tmp") / f"stageterm-{os.getuid()}"
    )


def test_a_change_to_the_code_is_another_standby(tmp_path: Path) -> None:
    package = tmp_path / "stageterm"
    package.mkdir()
    module = package / "cli.py"
    module.write_text("x = 1\n")
    before = place.code_fingerprint(package)
    module.write_text("x = 22\n")
    assert place.code_fingerprint(package) != before


def test_switched_off_no_standby_starts(env: dict[str, str]) -> None:
    off = {**env, "STAGETERM_STANDBY": "off"}
    code, _, err, _ = run(off, "unit", UNIT)
    assert code == 0, err
    time.sleep(1)
    path = place.socket_path(off)
    assert path is not None and not path.exists()


def test_an_idle_standby_ends(env: dict[str, str]) -> None:
    standing_by(env)
    path = place.socket_path(env)
    assert path is not None
    deadline = time.monotonic() + 30
    while path.exists():
        assert time.monotonic() < deadline, "the standby did not end when idle"
        time.sleep(0.2)


PRELOAD_CHECK = """
import sys
from stageterm.standby.server import preload
preload()
before = set(sys.modules)
from stageterm.cli import main
main(sys.argv[1:])
print("loaded:", *sorted(set(sys.modules) - before), file=sys.stderr)
"""
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_settings", "numpy", "biip", "stageterm")


@pytest.mark.parametrize(
    "args",
    [
        ("move", UNIT, "--to", LANE, "--operator", "1001"),
        ("scan", "--operator", "1001", STORAGE, UNIT),
        ("report", "--json"),
        ("unit", UNIT),
    ],
)
def test_the_standby_has_loaded_what_a_command_needs(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    """What the child of a standby would still import, a command's own process imports
    too: here nothing heavy (else the standby would not keep the command fast)."""
    done = subprocess.run(
        [sys.executable, "-c", PRELOAD_CHECK, *args],
        env={**env, "STAGETERM_STANDBY": "off"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip().splitlines()[-1].split()[1:]
    assert [name for name in loaded if name.split(".")[0] in HEAVY] == []


def held_lock(env: dict[str, str]) -> sqlite3.Connection:
    """Another program's write lock on the site: a move waits for it."""
    holder = sqlite3.connect(env["STAGETERM_DB"].removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_signal_the_caller_ignores_is_ignored_by_its_command(env: dict[str, str]) -> None:
    """`nohup stageterm move …`: a hang-up does not stop the move in its own process, nor
    through the standby."""
    standing_by(env)
    holder = held_lock(env)
    process = subprocess.Popen(
        [str(STAGETERM), "move", UNIT, "--to", LANE, "--operator", "1001"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    time.sleep(1.5)
    process.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    holder.execute("ROLLBACK")
    holder.close()
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert last_event(env["STAGETERM_DB"])[1] == LANE


def test_a_caller_killed_takes_its_command_with_it(env: dict[str, str]) -> None:
    """SIGKILL (a supervisor's timeout, the OOM killer) to a caller whose move waits for the
    write lock: in its own process the move would never happen; nor does it here."""
    standing_by(env)
    holder = held_lock(env)
    process = subprocess.Popen(  # output to nowhere: a pipe would wait for the command too
        [str(STAGETERM), "move", UNIT, "--to", LANE, "--operator", "1001"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)  # handed over, and waiting for the lock
    process.kill()
    process.wait(timeout=30)
    time.sleep(0.5)
    holder.execute("ROLLBACK")
    holder.close()
    time.sleep(2)  # time enough for a move that was still going to be made
    assert last_event(env["STAGETERM_DB"])[1] != LANE


def test_a_caller_that_hangs_up_mid_request_leaves_no_descriptor_behind(
    env: dict[str, str],
) -> None:
    """Its stdout held open by the standby would keep `out=$(stageterm …)` waiting."""
    standing_by(env)
    path = place.socket_path(env)
    assert path is not None
    read_end, write_end = os.pipe()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(path))
        socket.send_fds(sock, [b"\0\0\0\x64{"], [write_end, write_end, write_end])
    os.close(write_end)
    # Well before the standby ends idle (5 s after this connection), which closes all.
    ready, _, _ = select.select([read_end], [], [], 3)
    assert ready and os.read(read_end, 1) == b""  # the pipe's last writer is gone
    os.close(read_end)


def unwritable(kind: str) -> IO[bytes]:
    """An output that takes nothing: a full disk, or a pipe whose reader has gone."""
    if kind == "/dev/full":
        return open(kind, "wb")
    read_end, write_end = os.pipe()
    os.close(read_end)
    return os.fdopen(write_end, "wb")


@pytest.mark.parametrize("out", ["/dev/full", "closed pipe"])
def test_output_that_cannot_be_written_ends_as_in_its_own_process(
    env: dict[str, str], out: str
) -> None:
    standing_by(env)
    codes = []
    for mode in ({}, {"STAGETERM_STANDBY": "off"}):
        with unwritable(out) as stdout:
            done = subprocess.run(
                [str(STAGETERM), "unit", UNIT, "--json"],
                env={**env, **mode},
                stdout=stdout,
                stderr=subprocess.PIPE,
                timeout=60,
            )
        codes.append(done.returncode)
    assert codes[0] == codes[1] != 0


def test_a_standby_that_loaded_other_code_than_its_name_says_does_not_serve(
    env: dict[str, str],
) -> None:
    """The socket's name is the key of the callers' code, interpreter and settings; a
    standby whose own key differs (it found another stageterm on its path) ends at once."""
    path = place.socket_path(env)
    assert path is not None
    wrong = path.with_name("standby-0000000000000000dead.sock")
    done = subprocess.run(
        [sys.executable, "-P", "-m", "stageterm.standby", str(wrong)],
        env={**env, "STAGETERM_STANDBY_IDLE_S": "600"},  # serving, it would wait that long
        cwd="/",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert not wrong.exists()
