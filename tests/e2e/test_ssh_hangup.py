"""Sign-out when the SSH session ends: the stageterm process on the host does not outlive it.

The signed-in operator lives only in the memory of the stageterm process that sshd runs
for the session, so "signed out when the session ends" means that process exits
promptly once the session is gone. A handheld signs in over a real OpenSSH sshd (from
tmux, `ssh -tt`), and then the session ends the ways it ends on a floor:

- the client dies (`kill -9` of the ssh client: the handheld crashed or was switched off);
- the client's terminal is closed normally (tmux kills the session: the window closed);
- the network between them vanishes (the client's connection runs through a relay, which
  the test freezes with SIGSTOP: no bytes either way and no FIN, as when Wi-Fi drops) and
  sshd's ClientAliveInterval/CountMax, as docs/deployment.md sets them (shortened here
  to 1 s x 2), gives up on the silent client;
- the client dies while stageterm runs under a wrapper that ignores SIGHUP (`trap '' HUP`,
  as nohup and some login wrappers do): no signal ends the process, so stageterm itself
  must notice that its terminal hung up (EIO/EOF on stdin) and exit.

Each case proves that the host's stageterm process (found under that sshd's process tree)
has exited within 5 s of the hang-up.
"""

from __future__ import annotations

import os
import shlex
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from sshkit import STAGETERM, Handhelds, Sshd, SshTerminal, alive, wait_until_gone

pytestmark = pytest.mark.e2e

EXIT_WITHIN_S = 5.0
KEEPALIVE = ("ClientAliveInterval 1", "ClientAliveCountMax 2")  # docs: 30 s x 4


def signed_in(sshd: Sshd, handhelds: Handhelds, relay: bool = False) -> tuple[SshTerminal, int]:
    """A 40x16 VT220 handheld signed in as Ana; the host's stageterm process of its session."""
    handheld = handhelds.open(sshd, size=(40, 16), term="vt220", relay=relay)
    handheld.wait_for("badge", timeout=30)
    handheld.scan("1001")
    handheld.wait_for("STAGE", "Ana Ortiz")
    sessions = sshd.stageterm_sessions()
    assert len(sessions) == 1, f"expected one stageterm session on the host: {sessions}"
    return handheld, sessions[0]


def kill_client(handheld: SshTerminal) -> None:
    os.kill(handheld.ssh_client(), signal.SIGKILL)


def close_terminal(handheld: SshTerminal) -> None:
    handheld.close()


HANG_UPS: dict[str, Callable[[SshTerminal], None]] = {
    "client-killed": kill_client,
    "terminal-closed": close_terminal,
}


@pytest.mark.parametrize("hang_up", list(HANG_UPS))
def test_the_host_process_ends_with_the_ssh_session(
    start_sshd: Callable[..., Sshd], handhelds: Handhelds, site_db: Path, hang_up: str
) -> None:
    sshd = start_sshd(str(site_db))
    handheld, process = signed_in(sshd, handhelds)

    HANG_UPS[hang_up](handheld)
    took = wait_until_gone([process], EXIT_WITHIN_S)

    print(f"{hang_up}: stageterm exited {took:.2f} s after the hang-up")
    assert sshd.stageterm_sessions() == []


def test_the_host_process_ends_when_the_network_vanishes(
    start_sshd: Callable[..., Sshd], handhelds: Handhelds, site_db: Path
) -> None:
    sshd = start_sshd(str(site_db), options=KEEPALIVE)
    handheld, process = signed_in(sshd, handhelds, relay=True)
    network = handheld.network()

    os.kill(network, signal.SIGSTOP)
    try:
        # sshd gives up on the silent client after 2 unanswered keepalives (measured: ~5 s).
        took = wait_until_gone([process], 10.0 + EXIT_WITHIN_S)
    finally:
        os.kill(network, signal.SIGKILL)

    print(f"network gone: stageterm exited {took:.2f} s after the network froze")
    assert "Timeout, client not responding" in sshd.log(), sshd.log()


def test_the_host_process_ends_even_where_sighup_is_ignored(
    start_sshd: Callable[..., Sshd], handhelds: Handhelds, site_db: Path
) -> None:
    # SIG_IGN survives exec: stageterm starts with SIGHUP ignored, as under nohup.
    script = f"trap '' HUP; exec {STAGETERM}"
    wrapper = f"sh -c {shlex.quote(script)}"
    sshd = start_sshd(str(site_db), command=wrapper)
    handheld, process = signed_in(sshd, handhelds)
    ignored = int(Path(f"/proc/{process}/status").read_text().split("SigIgn:")[1].split()[0], 16)
    assert ignored & (1 << (signal.SIGHUP - 1)), "the wrapper did not make stageterm ignore SIGHUP"

    kill_client(handheld)
    took = wait_until_gone([process], EXIT_WITHIN_S)

    print(f"SIGHUP ignored: stageterm exited {took:.2f} s after the client was killed")
    assert not alive(process)
