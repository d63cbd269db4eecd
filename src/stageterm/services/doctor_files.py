"""The doctor's look at files: the disk the database lives on, the inbox folder, the files
that hold secrets, and reading an env file as systemd's `EnvironmentFile=` does.

Pure file-system work (os, stat, tomllib); the verdicts are `Finding`s with what to do.
"""

from __future__ import annotations

import os
import shlex
import stat
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Under this much free space where the database lives, the disk check fails: an event is
# about 1-2 kB with its indexes, but a WAL file, a backup copy or a day of journald logs
# can take hundreds of MB at once, and SQLite refuses every write on a full disk.
DISK_MIN_FREE = 500_000_000  # 500 MB

# Keys of stageterm.toml that hold a secret (with or without the STAGETERM_ prefix).
_SECRET_KEYS = ("upstream_token", "master_token", "serve_token")


@dataclass(frozen=True)
class Finding:
    """One line of `stageterm doctor`: the check, whether it passed, and what to do."""

    check: str
    ok: bool
    detail: str


def size(n: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # the loop returns at TB


def disk_finding(folder: Path, free: int | None = None, minimum: int = DISK_MIN_FREE) -> Finding:
    """Free space in `folder` (measured unless given) against `minimum`."""
    if free is None:
        try:
            found = os.statvfs(folder)
        except OSError as exc:
            return Finding("disk", False, f"cannot measure free space in {folder}: {exc.strerror}")
        free = found.f_bavail * found.f_frsize
    words = f"{size(free)} free in {folder} (fails under {size(minimum)})"
    if free < minimum:
        return Finding(
            "disk",
            False,
            f"{words}: free space there (old backups, logs) before SQLite refuses every write",
        )
    return Finding("disk", True, words)


def inbox_finding(inbox: Path | None) -> Finding:
    """The inbox folder exists and a file can be written in it (as `pull` moves files to
    done/ and failed/ there). Tried by writing, not by permission bits, so root's answer
    is the real one too."""
    if inbox is None:
        return Finding("inbox", True, "not configured (STAGETERM_INBOX unset)")
    if not inbox.exists():
        return Finding(
            "inbox",
            False,
            f"{inbox} does not exist: create it, writable by the user the services run as",
        )
    if not inbox.is_dir():
        return Finding("inbox", False, f"{inbox} is not a folder: set STAGETERM_INBOX to a folder")
    try:
        handle, name = tempfile.mkstemp(prefix=".stageterm-doctor-", dir=inbox)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        return Finding(
            "inbox",
            False,
            f"cannot write in {inbox} ({(exc.strerror or str(exc)).lower()}): "
            "make it writable by the user the services run as",
        )
    return Finding("inbox", True, f"{inbox} is writable")


def secrets_finding(config_file: str, env_files: Sequence[Path]) -> Finding:
    """Every file holding a secret (stageterm.toml with a token or a database password,
    each env file given) readable by its owner only: others' read bits fail, whoever runs
    the check (root included), since it is the mode that lets them in."""
    held: list[Path] = []
    problems: list[str] = []
    if config_file and _toml_holds_a_secret(Path(config_file)):
        held.append(Path(config_file))
    for path in env_files:
        if not path.is_file():
            problems.append(f"no env file {path}")
        else:
            held.append(path)
    for path in held:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            problems.append(f"{path} can be read by others (mode {mode:o}): chmod 600 {path}")
    if problems:
        return Finding("secrets", False, "; ".join(problems))
    if not held:
        return Finding("secrets", True, "no file holds a secret")
    return Finding("secrets", True, ", ".join(str(p) for p in held) + ": owner only")


def _toml_holds_a_secret(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True  # settings loaded it; if it cannot be read now, judge its mode anyway
    table = data.get("stageterm", data)
    if not isinstance(table, dict):
        return False
    for key, value in table.items():
        name = str(key).lower().removeprefix("stageterm_")
        if name in _SECRET_KEYS and value:
            return True
        if name == "db" and isinstance(value, str) and _url_has_password(value):
            return True
    return False


def _url_has_password(url: str) -> bool:
    _, sep, rest = url.partition("://")
    userinfo = rest.split("@", 1)[0] if sep and "@" in rest else ""
    return ":" in userinfo


class EnvFileError(ValueError):
    """An env file that cannot be read (one line, never its values)."""


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's `EnvironmentFile=` reads them: blank lines and lines
    starting with # or ; skipped, `export ` allowed, values optionally quoted."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise EnvFileError(f"cannot read env file {path}: {reason}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise EnvFileError(f"{path}:{number}: not KEY=VALUE")
        value = value.strip()
        if value[:1] in ("'", '"'):
            try:
                parts = shlex.split(value)
            except ValueError:
                raise EnvFileError(f"{path}:{number}: unbalanced quotes") from None
            value = parts[0] if parts else ""
        values[key] = value
    return values
