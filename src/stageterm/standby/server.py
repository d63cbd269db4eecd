"""The standby's side: load stageterm once, then fork a child for each command handed
over, which takes on the caller's descriptors, environment, folder and umask and runs
`cli.main` as the caller's own process would have.

One standby a socket (a lock file next to it); it ends when idle for its time, or when its
socket was removed or replaced. It never opens a database itself: every child opens its
own, as a separate process would.
"""

from __future__ import annotations

import atexit
import fcntl
import gc
import importlib
import io
import os
import select
import signal
import socket
import struct
import sys
import time
import traceback
from contextlib import suppress
from pathlib import Path
from typing import Any

from stageterm.standby import place, wire
from stageterm.standby.client import HANDED_OVER

IDLE_S = 600.0  # STAGETERM_STANDBY_IDLE_S
REQUEST_S = 2.0  # a caller sends its request at once
GO_S = 10.0  # ... and its "go" once it knows the child
_HELD: list[Any] = []  # the lock file: a child closes it (it would keep the lock alive)


def serve(path: Path, idle_s: float = IDLE_S) -> None:
    lock = open(f"{path}.lock", "a")  # noqa: SIM115 (held for the standby's life)
    _HELD.append(lock)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another standby serves (or is starting at) this path
        return
    preload()
    if place.socket_path(os.environ) != path:
        return  # this process loaded other code than its callers run (another sys.path)
    if path.exists() or path.is_symlink():  # left by a standby that did not end cleanly
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(mask)
    listener.listen(64)
    inode = os.stat(path).st_ino
    gc.freeze()  # what was loaded stays shared with the children (copy on write)
    children: set[int] = set()
    last = time.monotonic()
    while True:
        _reap(children)
        ready, _, _ = select.select([listener], [], [], 1.0)
        if ready:
            connection, _ = listener.accept()
            last = time.monotonic()
            with connection:
                _take(connection, listener, children)
            continue
        if _moved(path, inode):
            return
        if not children and time.monotonic() - last > idle_s:
            path.unlink(missing_ok=True)
            return


# What the commands handed over import on their way (tests/integration/test_standby.py
# checks that a move imports nothing more in the child).
PRELOADED = (
    "stageterm.cli",
    "stageterm.config.sources",  # pydantic-settings
    "stageterm.config.model",
    "stageterm.store.engine",  # SQLAlchemy
    "stageterm.store.migrate",
    "stageterm.services.site",  # SQLModel's tables, the use cases
    "stageterm.services.stay_columns",  # numpy, for the report
    "stageterm.services.step_parts",  # ... multiprocessing
    "stageterm.store.stays",
    "stageterm.services.session",  # `scan`: FloorSession
    "stageterm.scanning.classifier",  # ... biip
    "stageterm.scanning.gs1",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
)
# A shared site's driver, where it is installed (the `postgres` extra).
MAYBE_PRELOADED = ("psycopg",)


def preload() -> None:
    """Load once, here, what the commands handed over would load in every process."""
    from stageterm.commands import command_modules

    for name in PRELOADED:
        importlib.import_module(name)
    for name in MAYBE_PRELOADED:
        with suppress(ImportError):
            importlib.import_module(name)
    command_modules(sorted(HANDED_OVER))


def _take(connection: socket.socket, listener: socket.socket, children: set[int]) -> None:
    """Read one caller's request and fork its command's process."""
    creds = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    if uid != os.getuid():
        return
    connection.settimeout(REQUEST_S)
    try:
        request, fds = wire.receive(connection, max_fds=3)
    except (OSError, EOFError, ValueError):
        return
    try:
        if len(fds) != 3:
            return
        child = os.fork()
        if child == 0:
            listener.close()
            for held in _HELD:
                held.close()
            _run_command(connection, request, fds)  # never returns
        children.add(child)
    finally:
        for fd in fds:
            os.close(fd)


def _run_command(connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the child: become the caller's command process, wait for its go, run the command,
    answer its exit code. Until the go, the caller may still run the command itself."""
    code = 1
    try:
        _signals_as_caller(request.get("ignored", []))
        connection.settimeout(GO_S)
        try:
            _take_on(request, fds)
        except OSError:  # its folder is gone, say: the caller tries it itself
            os._exit(0)
        wire.send(connection, {"pid": os.getpid()})
        if connection.recv(1) != b"g":  # the caller gave up: it runs the command itself
            os._exit(0)
        connection.settimeout(None)
        _end_with_caller(connection)
        code = _main(request["argv"])
    except BaseException:  # the caller must get an answer whatever happened
        traceback.print_exc()
    finally:
        try:
            wire.send(connection, {"exit": code})
        finally:
            os._exit(0)


def _signals_as_caller(ignored: list[int]) -> None:
    """Signal dispositions as in a process of the caller's: Python's defaults, and what the
    caller ignores (nohup, a script's `cmd &`) ignored here too."""
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in ignored:
        signal.signal(number, signal.SIG_IGN)


def _end_with_caller(connection: socket.socket) -> None:
    """If the caller is killed (SIGKILL, the OOM killer, a supervisor's timeout), its
    command ends there and then, as it would have in the caller's own process: the caller
    never writes after its go, so the connection becoming readable means it hung up."""

    def hung_up(_signum: int, _frame: object) -> None:
        try:
            data = connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            os.kill(os.getpid(), signal.SIGKILL)

    signal.signal(signal.SIGIO, hung_up)
    fd = connection.fileno()
    fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)


def _take_on(request: dict[str, Any], fds: list[int]) -> None:
    """The caller's stdin, stdout and stderr, environment, folder, umask and argv."""
    os.chdir(request["cwd"])
    for number, fd in enumerate(fds):
        os.dup2(fd, number)
    sys.stdin = _stream(0, sys.stdin)
    sys.stdout = _stream(1, sys.stdout)
    sys.stderr = _stream(2, sys.stderr)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.umask(int(request["umask"]))
    sys.argv = list(request["argv"])


def _stream(fd: int, like: Any) -> io.TextIOWrapper:
    """A text stream on `fd` as Python makes one at its start: the same encoding and
    errors, newlines untranslated, unbuffered under -u / PYTHONUNBUFFERED, else
    line-buffered on a terminal (stderr always). (The standby's own streams were made by
    the same settings: PYTHON* variables are part of its key.)"""
    writing = fd != 0
    unbuffered = writing and bool(getattr(like, "write_through", False))
    binary: Any = io.open(  # noqa: SIM115, UP020
        fd, "wb" if writing else "rb", buffering=0 if unbuffered else -1, closefd=False
    )
    return io.TextIOWrapper(
        binary,
        encoding=getattr(like, "encoding", None) or "utf-8",
        errors=getattr(like, "errors", None) or "strict",
        newline="\n",
        line_buffering=writing and not unbuffered and (fd == 2 or os.isatty(fd)),
        write_through=unbuffered,
    )


def _main(argv: list[str]) -> int:
    """`cli.main` as the console script runs it: its return value or SystemExit is the
    exit code (an uncaught exception: its traceback, 1); then the exit handlers run and
    the output is flushed, and output that cannot be flushed makes it 120, as Python's own
    exit does."""
    from stageterm.cli import main

    code: Any = 1
    try:
        code = main(argv[1:])
    except SystemExit as exc:
        code = exc.code
    except BaseException:  # as the interpreter would: the traceback, exit status 1
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        with suppress(OSError, ValueError):
            print(f"Exception ignored on flushing sys.stdout:\n{exc!r}", file=sys.stderr)
        code = 120
    with suppress(OSError, ValueError):
        sys.stderr.flush()
    return int(code)


def _reap(children: set[int]) -> None:
    for child in list(children):
        try:
            done, _ = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            done = child
        if done:
            children.discard(child)


def _moved(path: Path, inode: int) -> bool:
    """The socket was removed or another took its place: this standby is not the one."""
    try:
        return os.stat(path).st_ino != inode
    except OSError:
        return True
