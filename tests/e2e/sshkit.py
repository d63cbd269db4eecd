"""Real OpenSSH and tmux for the end-to-end tests: a site host and the handhelds that reach it.

- `Sshd`: an OpenSSH server on a free loopback port whose only command (ForceCommand) is
  the installed stageterm, with the environment a deployment gives it (docs/deployment.md).
- `SshTerminal`: one handheld: its own tmux server, one pane of a fixed size and TERM,
  running `ssh -tt` into that sshd, driven with send-keys and read with capture-pane.
- `PgSite`: a site's database on the suite's throwaway PostgreSQL server.
- `descendants` / `stageterm_sessions`: the processes sshd runs for its sessions, to see
  what is still alive on the host after a client goes away.

Nothing here is a stand-in: the sshd, ssh, tmux and stageterm are the real programs.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
STAGETERM = Path(sys.executable).with_name("stageterm")
RELAY = Path(__file__).with_name("relay.py")
MISSING = (
    "OpenSSH server missing: apt-get install openssh-server"
    if SSHD is None
    else "OpenSSH client missing: apt-get install openssh-client"
    if shutil.which("ssh") is None
    else "tmux missing: apt-get install tmux"
    if shutil.which("tmux") is None
    else ""
)


@dataclass
class PgSite:
    """A site's database on a PostgreSQL server (tests/integration/pg.py's PostgresServer)."""

    server: Any
    name: str

    @property
    def url(self) -> str:
        return str(self.server.url(self.name))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@dataclass
class Sshd:
    """A running sshd: `ssh_command()` reaches it; `stop()` ends it and every session."""

    port: int
    home: Path
    proc: subprocess.Popen[bytes]
    seen: set[int] = field(default_factory=set)  # stageterm processes its sessions ran

    @classmethod
    def start(
        cls, home: Path, env: dict[str, str], command: str = "", options: tuple[str, ...] = ()
    ) -> Sshd:
        """sshd whose ForceCommand is `env <env> <command>` (stageterm unless given; values
        shell-quoted, as they must be in sshd_config: sshd hands ForceCommand to the user's
        shell); `options` are more sshd_config lines."""
        assert SSHD is not None, MISSING
        home.mkdir(parents=True, exist_ok=True)
        _keygen(home / "host_key")
        _keygen(home / "client_key")
        (home / "authorized_keys").write_text((home / "client_key.pub").read_text())
        for path in home.iterdir():
            path.chmod(0o600)
        port = free_port()
        settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        force = f"env {settings} {command or STAGETERM}"
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
                    "X11Forwarding no",
                    *options,
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
                    return cls(port, home, proc)
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.kill()
        proc.wait(timeout=10)
        raise RuntimeError(f"sshd did not start: {log.read_text() if log.exists() else ''}")

    def ssh_command(self, relay: bool = False) -> str:
        """`relay`: through relay.py as the ProxyCommand (a network path a test can stop)."""
        proxy = f"-o 'ProxyCommand={sys.executable} {RELAY} %h %p' " if relay else ""
        return (
            f"ssh -tt {proxy}-p {self.port} -i {self.home / 'client_key'} "
            "-o StrictHostKeyChecking=no "
            f"-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR {getpass.getuser()}@127.0.0.1"
        )

    def stageterm_sessions(self) -> list[int]:
        """Pids of the stageterm processes this sshd is running for its sessions now."""
        found = []
        for pid in descendants(self.proc.pid):
            argv = _cmdline(pid).split()
            if argv[:1] and Path(argv[0]).name.startswith("python") and str(STAGETERM) in argv:
                found.append(pid)
        self.seen.update(found)
        return found

    def log(self) -> str:
        path = self.home / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        # Whatever the sessions left running goes too: a stageterm that outlived its session
        # is no longer below sshd (its parent ended; it belongs to init now), so also every
        # one seen, if it still runs stageterm.
        leftovers = descendants(self.proc.pid) + [
            pid for pid in self.seen if str(STAGETERM) in _cmdline(pid)
        ]
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for pid in leftovers:
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)


def _cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
    return int(stat.rsplit(")", 1)[1].split()[1])


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def descendants(root: int) -> list[int]:
    """Every live process below `root` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return [pid for pid in found if alive(pid)]


class Handhelds:
    """One tmux server holding the handhelds of a test, each in its own session.

    One server, so that one tmux command can press a key on several handhelds at once
    (`press_together`): as near the same moment as two people can be made to scan.
    """

    def __init__(self) -> None:
        self.socket = f"stageterm-ssh-{uuid.uuid4().hex[:8]}"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TMUX", "COLUMNS", "LINES"))
        }
        self._count = 0

    def tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            env=self.env, capture_output=True, text=True, timeout=20,
        )  # fmt: skip

    def open(
        self,
        sshd: Sshd,
        size: tuple[int, int] = (80, 24),
        term: str = "xterm",
        relay: bool = False,
    ) -> SshTerminal:
        """A handheld of `size` whose terminal client sends TERM=`term`, connected to `sshd`
        (`relay`: through relay.py, see `SshTerminal.network`)."""
        self._count += 1
        terminal = SshTerminal(self, f"hh{self._count}", size, term)
        width, height = size
        # The pane gets its size first, then ssh starts in it (so the remote pty has that size).
        self.tmux(
            "new-session", "-d", "-s", terminal.session, "-x", str(width), "-y", str(height), "cat"
        )
        self.tmux(
            "respawn-pane",
            "-k",
            "-t",
            terminal.session,
            f"TERM={term} exec {sshd.ssh_command(relay)}",
        )
        return terminal

    def press_together(self, terminals: list[SshTerminal], key: str) -> None:
        """`key` on every one of `terminals` in one tmux command: microseconds apart."""
        args: list[str] = []
        for terminal in terminals:
            args += [";", "send-keys", "-t", terminal.session, key]
        self.tmux(*args[1:])

    def close(self) -> None:
        self.tmux("kill-server")


@dataclass
class SshTerminal:
    """A handheld: one tmux session of a fixed size and TERM running `ssh -tt` into sshd."""

    handhelds: Handhelds
    session: str
    size: tuple[int, int]
    term: str

    def keys(self, *keys: str) -> None:
        """Named keys (Enter, C-l, ...) or literal text, as tmux send-keys takes them."""
        self.handhelds.tmux("send-keys", "-t", self.session, *keys)

    def type(self, text: str) -> None:
        """Characters exactly as given (no key names)."""
        self.handhelds.tmux("send-keys", "-t", self.session, "-l", text)

    def scan(self, code: str) -> None:
        """A scan: the code's characters, then Enter (as a keyboard-wedge scanner sends it)."""
        self.type(code)
        self.keys("Enter")

    def screen(self) -> str:
        return self.handhelds.tmux("capture-pane", "-p", "-t", self.session).stdout

    def text(self) -> str:
        """The screen as one line of words: a sentence wrapped over several rows reads whole."""
        return " ".join(self.screen().split())

    def wait_for(self, *texts: str, timeout: float = 20, joined: bool = False) -> str:
        """The screen once it shows every one of `texts` (`joined`: in `text()`, across rows)."""
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.text() if joined else self.screen()
            if all(t in shown for t in texts):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{self.session} never showed {texts}; it shows:\n{self.screen()}")

    def ssh_client(self) -> int:
        """Pid of the `ssh` client running in the pane."""
        shown = self.handhelds.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}")
        pane = int(shown.stdout.strip())
        for pid in [pane, *descendants(pane)]:
            if _cmdline(pid).startswith("ssh "):
                return pid
        raise AssertionError(f"no ssh client under pane process {pane}: {_cmdline(pane)!r}")

    def network(self) -> int:
        """Pid of the relay carrying this handheld's connection (opened with `relay=True`)."""
        client = self.ssh_client()
        for pid in descendants(client):
            if str(RELAY) in _cmdline(pid):
                return pid
        raise AssertionError(f"no relay under ssh client {client}")

    def close(self) -> None:
        """Close this handheld's terminal (its tmux session), as closing the client's window does."""
        self.handhelds.tmux("kill-session", "-t", self.session)


def wait_until_gone(pids: list[int], timeout: float) -> float:
    """Seconds until none of `pids` runs; raises AssertionError if some still run at `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not any(alive(pid) for pid in pids):
            return time.monotonic() - start
        time.sleep(0.05)
    still = [f"{pid}: {_cmdline(pid)}" for pid in pids if alive(pid)]
    raise AssertionError(f"still running {timeout:.0f} s later: {still}")
