"""A handheld's view of a site: a real OpenSSH sshd on 127.0.0.1 runs stageterm as a ForceCommand.

The client connects with `ssh -tt` inside tmux (as a terminal client would), signs in,
scans a lane and a unit; the unit is staged, and the event names the SSH session's own
terminal (host + its pseudo-terminal).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        SSHD is None, reason="OpenSSH server missing: apt-get install openssh-server"
    ),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux missing: apt-get install tmux"),
    pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client missing"),
]
STAGETERM = Path(sys.executable).with_name("stageterm")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@pytest.fixture
def site_db(tmp_path: Path) -> Path:
    db = tmp_path / "site.db"
    subprocess.run(
        [str(STAGETERM), "demo", "--db", str(db), "--seed-only"], check=True, capture_output=True
    )
    return db


@pytest.fixture
def sshd(tmp_path: Path, site_db: Path) -> Iterator[tuple[int, Path]]:
    """sshd on a free loopback port whose only command is stageterm on the site database."""
    home = tmp_path / "ssh"
    home.mkdir()
    _keygen(home / "host_key")
    _keygen(home / "client_key")
    (home / "authorized_keys").write_text((home / "client_key.pub").read_text())
    for path in home.iterdir():
        path.chmod(0o600)
    port = _free_port()
    force = (
        f"env STAGETERM_DB={site_db} STAGETERM_IDLE_MINUTES=0 LANG=C.UTF-8 "
        f"PATH={STAGETERM.parent}:/usr/bin:/bin {STAGETERM}"
    )
    config = home / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {home / 'host_key'}",
                f"AuthorizedKeysFile {home / 'authorized_keys'}",
                f"PidFile {home / 'sshd.pid'}",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                "PermitRootLogin yes",
                "StrictModes no",
                "UsePAM no",
                "PermitTTY yes",
                "AllowTcpForwarding no",
                f"ForceCommand {force}",
                "",
            ]
        )
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd insists on
    log = home / "sshd.log"
    proc = subprocess.Popen([SSHD, "-D", "-f", str(config), "-E", str(log)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"sshd did not start: {log.read_text() if log.exists() else ''}")
    try:
        yield port, home
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _screen(session: str) -> str:
    out = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
    )
    return out.stdout


def _wait_for(session: str, text: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not on screen:\n{screen}")


def _type(session: str, text: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, "-l", text], check=True)
    subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)


def test_a_handheld_signs_in_over_ssh_and_stages_a_unit(
    sshd: tuple[int, Path], site_db: Path
) -> None:
    port, home = sshd
    session = f"ssh-{os.getpid()}"
    ssh = (
        f"ssh -tt -p {port} -i {home / 'client_key'} -o StrictHostKeyChecking=no "
        f"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {getpass.getuser()}@127.0.0.1"
    )
    env = {**os.environ, "TERM": "vt220"}
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "40", "-y", "16", f"TERM=vt220 {ssh}"],
        check=True,
        env=env,
    )
    try:
        _wait_for(session, "badge")
        _type(session, "1001")
        _wait_for(session, "Ana")
        _type(session, "L-04")
        _wait_for(session, "L-04")
        _type(session, "U00003")
        _wait_for(session, "U00003")
        deadline = time.monotonic() + 10
        row = None
        while time.monotonic() < deadline and row is None:
            with sqlite3.connect(site_db) as db:
                row = db.execute(
                    "SELECT to_location, operator, terminal FROM events "
                    "WHERE unit = 'U00003' AND type = 'stage'"
                ).fetchone()
            time.sleep(0.2)
        assert row is not None, _screen(session)
        to_location, operator, terminal = row
        assert (to_location, operator) == ("L-04", "1001")
        assert "pts/" in terminal, terminal  # this SSH session's own terminal id
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
