"""Where a standby listens: a socket in a folder only this user can open, named by a key
of everything a preloaded process must share with its caller (the interpreter, the code
of stageterm, the locale and Python's own environment variables)."""

from __future__ import annotations

import hashlib
import os
import resource
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # src/stageterm (or site-packages/stageterm)
# Variables a process reads once at its start (encodings, locale, Python's own switches):
# a standby started with other values would answer differently.
_AT_START = ("PYTHON", "LC_", "LANG")


def code_fingerprint(package: Path = PACKAGE) -> str:
    """Every module file of stageterm with its size and modification time: any edit or
    upgrade changes it."""
    found = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith((".py", ".tcss")):
                info = os.stat(os.path.join(folder, name))
                found.append(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(sorted(found))


def installed() -> list[str]:
    """The folders installed packages live in, with their modification times: installing,
    upgrading or removing a package (SQLAlchemy, numpy…) changes a folder's entries."""
    found = []
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            found.append(f"{entry}:{os.stat(entry).st_mtime_ns}")
    return found


def process_attributes() -> list[object]:
    """What a process inherits and a standby's child would otherwise take from the standby
    instead of its caller: group and groups, resource limits, priority, the CPUs it may
    run on (`taskset`)."""
    limits = [
        resource.getrlimit(getattr(resource, n)) for n in dir(resource) if n.startswith("RLIMIT_")
    ]
    cpus = sorted(os.sched_getaffinity(0))
    return [os.getgid(), sorted(os.getgroups()), limits, os.getpriority(os.PRIO_PROCESS, 0), cpus]


def key(env: Mapping[str, str]) -> str:
    """The standby for this interpreter, code, installed packages, start-time environment
    and process attributes: a caller whose differ gets a standby of its own, started by it
    (so with its own)."""
    start_env = sorted((k, v) for k, v in env.items() if k.startswith(_AT_START))
    # The interpreter itself (`python` and `python3` of a venv are one) and the venv.
    interpreter = [os.path.realpath(sys.executable), sys.prefix]
    parts = [*interpreter, str(PACKAGE), code_fingerprint(), *installed(), repr(start_env)]
    parts.append(repr(process_attributes()))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:20]


# A socket's path has at most 107 bytes on Linux; the name takes 31 of them.
_LONGEST_FOLDER = 70


def private_folder(env: Mapping[str, str]) -> Path | None:
    """A folder for the socket that only this user can open: $XDG_RUNTIME_DIR/stageterm
    (when that is this user's and short enough for a socket), else /tmp/stageterm-UID;
    created 0700 when missing. None when the folder there is not this user's own or others
    may open it (then no standby is used)."""
    uid = os.getuid()
    runtime = env.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) / "stageterm" if runtime.startswith("/") else None
    if (
        base is None
        or len(os.fsencode(base)) > _LONGEST_FOLDER
        or not _own(base.parent, uid, strict=False)
    ):
        base = Path("/tmp") / f"stageterm-{uid}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return base if _own(base, uid, strict=True) else None


def _own(folder: Path, uid: int, *, strict: bool) -> bool:
    """A real folder (not a link) owned by `uid`; `strict`: and closed to everyone else."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
        return False
    return not strict or info.st_mode & 0o077 == 0


def socket_path(env: Mapping[str, str]) -> Path | None:
    folder = private_folder(env)
    return None if folder is None else folder / f"standby-{key(env)}.sock"
