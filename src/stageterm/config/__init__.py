"""Typed settings: flags beat environment (STAGETERM_*) beat `stageterm.toml`; platform paths.

The `Settings` model (config/model.py) is built on pydantic-settings, one documented
field per setting, and checks every value where it is read (config/checks.py); a bad
value is a `ConfigError` with one line naming the setting. Secrets (the upstream, master
and serve tokens) are `SecretStr`s: shown as asterisks, read with `get_secret_value()`.

This package is light to import (`stageterm --version` imports it): pydantic-settings is
loaded when settings are first loaded; code that builds `Settings` itself imports it
from `stageterm.config.model`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stageterm.config.errors import ConfigError
from stageterm.config.paths import (
    default_db_path,
    default_demo_db_path,
    default_terminal,
    find_config_file,
    normalise_db_url,
)

if TYPE_CHECKING:
    from stageterm.config.model import Settings

__all__ = [
    "ConfigError",
    "default_db_path",
    "default_demo_db_path",
    "default_settings",
    "default_terminal",
    "find_config_file",
    "load_settings",
    "normalise_db_url",
]


def load_settings(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Settings from the file, then the environment, then the flags (each beating the last).

    `env` defaults to the process's environment; a flag given as None is not given."""
    from stageterm.config.sources import load

    return load(flags or {}, os.environ if env is None else env)


def default_settings() -> Settings:
    """Every setting at its default (no file, no environment): for an app built in a test."""
    from stageterm.config.model import Settings

    return Settings()
