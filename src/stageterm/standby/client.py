"""The caller's side: hand a command to the standby, or say it must run here.

Imports nothing of stageterm but the standby's own light modules: this runs before
anything else of a `stageterm` process (cli.main), and is what stays of its start-up.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from stageterm.standby import place, wire

# Commands that run and end; the terminal UI, the demo, the workers never come here.
HANDED_OVER = frozenset({"move", "scan", "unit", "queue", "report"})
OFF = frozenset({"off", "0", "no", "false"})
# How long the standby may take to fork the command's process and say so. Until the
# caller answers "go", the child does nothing; past this, the command runs here instead.
ANSWER_S = 3.0
# Signals a user or a supervisor sends to the command: they reach the child instead.
PASSED_ON = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def hand_over(argv: Sequence[str]) -> int | None:
    """Run `stageterm ARGV` in a child of the standby and return its exit code, or None
    when it is for this process to run (no standby, switched off, or not such a command).
    Starts a standby for the next call when there is none."""
    env = os.environ
    if env.get("STAGETERM_STANDBY", "").strip().lower() in OFF:
        return None
    if command_of(argv) not in HANDED_OVER or sys._xoptions or sys.flags.dev_mode:
        return None
    path = place.socket_path(env)
    if path is None:
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(ANSWER_S)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            start(path)
            return None
        except OSError:
            return None
        ignored = [s for s in PASSED_ON if signal.getsignal(s) == signal.SIG_IGN]
        try:
            if _peer_uid(sock) != os.getuid():  # not our standby: never hand it anything
                return None
            mask = os.umask(0o022)
            os.umask(mask)
            request = {
                "argv": [sys.argv[0], *argv],
                "env": dict(env),
                "cwd": os.getcwd(),
                "umask": mask,
                "ignored": [int(s) for s in ignored],
            }
            wire.send(sock, request, fds=[0, 1, 2])
            pid = int(wire.receive(sock)[0]["pid"])
        except (OSError, EOFError, ValueError, KeyError, TypeError):
            return None
        with passed_on(pid, ignored) as caught:
            try:
                sock.sendall(b"g")  # from here on the command is the child's: no way back
            except OSError:  # the child is gone before its go: the command is ours again
                return None
            try:
                sock.settimeout(None)
                answer, _ = wire.receive(sock)
                return int(answer["exit"])
            except (OSError, EOFError, ValueError, KeyError, TypeError):
                pass
    if caught:  # the child ended by the signal this process was sent: end the same way
        signal.signal(caught[-1], signal.SIG_DFL)
        os.kill(os.getpid(), caught[-1])
    print("stageterm: the command's process ended without an answer", file=sys.stderr)
    return 1


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of `argv` (after a leading --db URL), or None."""
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--db" and args:
            args.pop(0)
        elif not arg.startswith("--db="):
            return arg
    return None


def _peer_uid(sock: socket.socket) -> int:
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


@contextmanager
def passed_on(pid: int, ignored: Sequence[int] = ()) -> Iterator[list[int]]:
    """While the child runs, the signals this process gets go to it (but those it ignores,
    which the child ignores too); yields the list of those that came."""
    caught: list[int] = []

    def pass_on(signum: int, _frame: object) -> None:
        caught.append(signum)
        with suppress(ProcessLookupError):  # it has just ended
            os.kill(pid, signum)

    before = {s: signal.signal(s, pass_on) for s in PASSED_ON if s not in ignored}
    try:
        yield caught
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def start(path: Path) -> None:
    """Start a standby at `path` in the background, for the next command: a session of its
    own, no terminal, nothing of this process's output. A failure to start is no error."""
    import subprocess

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}  # numpy: no thread pool to fork
    with suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-P", "-m", "stageterm.standby", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            env=env,
            start_new_session=True,
        )
