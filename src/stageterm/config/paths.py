"""Where things are: the default database files, the terminal id, database URLs as users
type them, and which stageterm.toml is read. Light: no pydantic here."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

from stageterm.config.errors import ConfigError


def default_db_path() -> Path:
    return Path(user_data_dir("stageterm", appauthor=False)) / "stageterm.db"


def default_demo_db_path() -> Path:
    return Path(user_data_dir("stageterm", appauthor=False)) / "demo.db"


def default_terminal() -> str:
    """Host plus tty, so every SSH session is a terminal of its own."""
    host = socket.gethostname() or "host"
    try:
        tty = os.ttyname(sys.stdin.fileno()).removeprefix("/dev/")
    except (OSError, ValueError, AttributeError):  # no tty (a pipe, cron, a closed stdin)
        tty = f"pid{os.getpid()}"
    return f"{host}:{tty}"


def normalise_db_url(value: str) -> str:
    """A SQLAlchemy URL from what a user may type: a path, sqlite:///…, or postgresql://…."""
    text = value.strip()
    if not text:
        raise ConfigError("database URL is empty")
    if any(ord(c) < 32 for c in text):
        raise ConfigError("database URL has control characters")
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    scheme, _, rest = text.partition("://")
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    if scheme in ("postgresql+psycopg", "sqlite"):
        if scheme == "sqlite" and not rest.startswith("/"):
            raise ConfigError(f"bad SQLite URL {text!r}: use sqlite:///path/to/file.db")
        return f"{scheme}://{rest}"
    raise ConfigError(
        f"unsupported database URL scheme {scheme!r}: use a path, sqlite:/// or postgresql://"
    )


def find_config_file(env: Mapping[str, str]) -> Path | None:
    """$STAGETERM_CONFIG, else stageterm.toml in the working directory, else in the user
    config directory; None when there is none."""
    explicit = env.get("STAGETERM_CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (
        Path.cwd() / "stageterm.toml",
        Path(user_config_dir("stageterm")) / "stageterm.toml",
    ):
        if candidate.is_file():
            return candidate
    return None


def locale_is_utf8(env: Mapping[str, str]) -> bool:
    # Python's C-locale coercion (PEP 538) sets LC_CTYPE=C.UTF-8 itself when the locale was
    # C: that says nothing about the terminal client, so read the locale as it was given.
    coerced = env.get("LC_CTYPE") == "C.UTF-8" and not env.get("LC_ALL")
    if coerced and env.get("LANG", "C") in ("", "C", "POSIX"):
        return False
    for key in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(key)
        if value:
            return "utf-8" in value.lower() or "utf8" in value.lower()
    return False  # no locale at all is the C locale: ASCII is the safe reading


def first_paint_hints() -> tuple[bool, str]:
    """(plain ASCII, terminal id) from the environment alone: cheap, for the first paint
    before the settings are read (STAGETERM_ASCII, STAGETERM_TERMINAL)."""
    word = os.environ.get("STAGETERM_ASCII", "").strip().lower()
    ascii_only = word in ("1", "true", "yes", "on") if word else not locale_is_utf8(os.environ)
    return ascii_only, os.environ.get("STAGETERM_TERMINAL", "").strip() or default_terminal()
