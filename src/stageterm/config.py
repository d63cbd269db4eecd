"""Typed settings: flags beat environment (STAGETERM_*) beat `stageterm.toml`; platform paths.

Secrets (the upstream token) are held in a `Secret` that never prints its value.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir


class ConfigError(ValueError):
    """Bad configuration: a one-line reason for the user."""


class Secret:
    """A value that is never shown: repr and str give asterisks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def default_db_path() -> Path:
    return Path(user_data_dir("stageterm", appauthor=False)) / "stageterm.db"


def default_demo_db_path() -> Path:
    return Path(user_data_dir("stageterm", appauthor=False)) / "demo.db"


def default_terminal() -> str:
    """Host plus tty, so every SSH session is a terminal of its own."""
    host = socket.gethostname() or "host"
    try:
        tty = os.ttyname(sys.stdin.fileno()).removeprefix("/dev/")
    except (OSError, ValueError, AttributeError):
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


@dataclass(frozen=True)
class Settings:
    db: str = ""
    """SQLAlchemy URL of the database (STAGETERM_DB); empty means the user data directory."""
    terminal: str = ""
    """This terminal's id (STAGETERM_TERMINAL); empty means host + tty."""
    site: str = "site"
    """Site name, used in upstream location URIs (STAGETERM_SITE)."""
    upstream_url: str = ""
    """Where sync posts events (STAGETERM_UPSTREAM_URL); empty means sync is off."""
    upstream_token: Secret = field(default_factory=lambda: Secret(""))
    """Bearer token for upstream (STAGETERM_UPSTREAM_TOKEN); never printed."""
    upstream_ca_bundle: str = ""
    """PEM file of CAs trusted for upstream TLS (STAGETERM_UPSTREAM_CA_BUNDLE); empty: system CAs."""
    sgln_prefix: str = ""
    """Company prefix and location reference for SGLN ids, e.g. 4012345.00001 (STAGETERM_SGLN_PREFIX); empty: site URIs."""
    idle_minutes: float = 10.0
    """Sign out after this many minutes without a key (STAGETERM_IDLE_MINUTES); 0 turns it off."""
    ascii: bool = False
    """Draw no box or block characters (STAGETERM_ASCII); on where the locale is not UTF-8."""
    gs_substitutes: tuple[str, ...] = ("|", "~", "<GS>")
    """Visible stand-ins a scanner sends for the GS1 separator (STAGETERM_GS_SUBSTITUTES, comma-separated)."""
    scan_prefix: str = ""
    """Characters the scanner puts before each scan (STAGETERM_SCAN_PREFIX)."""
    scan_suffix: str = ""
    """Characters the scanner puts after each scan (STAGETERM_SCAN_SUFFIX)."""
    badge_only_roles: tuple[str, ...] = ("operator", "lead", "quality", "admin")
    """Roles that may sign in with a badge alone when they have no PIN (STAGETERM_BADGE_ONLY_ROLES)."""
    sync_batch: int = 500
    """Events per upstream request (STAGETERM_SYNC_BATCH)."""
    busy_timeout: float = 15.0
    """Seconds a write waits for another terminal's write before it answers "database is busy" (STAGETERM_BUSY_TIMEOUT)."""
    config_file: str = ""
    """The stageterm.toml these settings were read from, if any."""
    warnings: tuple[str, ...] = ()
    """Things the user should know about the configuration (such as a token file others can read)."""

    def db_url(self, *, demo: bool = False) -> str:
        if self.db:
            return normalise_db_url(self.db)
        path = default_demo_db_path() if demo else default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    def terminal_id(self) -> str:
        return self.terminal or default_terminal()


_KEYS = {f.name for f in fields(Settings)} - {"config_file", "warnings"}


def _coerce(name: str, raw: Any) -> Any:
    current = Settings.__dataclass_fields__[name]
    kind = str(current.type)
    try:
        if name == "upstream_token":
            return Secret(str(raw))
        if kind == "bool":
            return (
                raw
                if isinstance(raw, bool)
                else str(raw).strip().lower() in ("1", "true", "yes", "on")
            )
        if name == "busy_timeout" and not 0 < float(raw) < 86_400:  # nan fails too
            raise ValueError(raw)
        if kind == "float":
            return float(raw)
        if kind == "int":
            return int(raw)
        if kind.startswith("tuple"):
            items = raw if isinstance(raw, list) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {raw!r} is not a valid {kind}") from exc


def find_config_file(env: Mapping[str, str]) -> Path | None:
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


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Settings from the file, then the environment, then the flags (each beating the last)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    warnings: list[str] = []
    path = find_config_file(env)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config: {exc}") from exc
        table = data.get("stageterm", data)
        for key, raw in table.items():
            name = key.lower().removeprefix("stageterm_")
            if name not in _KEYS:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[name] = _coerce(name, raw)
        if "upstream_token" in values and path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(
                f"{path} holds the upstream token and others can read it: chmod 600 {path}"
            )
    for name in _KEYS:
        raw = env.get(f"STAGETERM_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw)
    for name, raw in (flags or {}).items():
        if raw is not None:
            values[name] = _coerce(name, raw)
    if "ascii" not in values and not _locale_is_utf8(env):
        values["ascii"] = True
    settings = replace(Settings(), **values, config_file=str(path or ""), warnings=tuple(warnings))
    if settings.db:
        normalise_db_url(settings.db)  # fail early with the reason
    return settings


def _locale_is_utf8(env: Mapping[str, str]) -> bool:
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
