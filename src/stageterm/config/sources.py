"""Reading the settings: stageterm.toml, then STAGETERM_* from the environment, then the
flags, each beating the last; checking them once (`Settings`' validators); turning a
failure into one `ConfigError` line; and the warnings a user should see.

Nothing here ever puts a token into a message: a failing token is named by its setting
and the kind of character that is wrong, and pydantic's own text (which quotes the
input) is never shown.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from pydantic_settings.sources.utils import parse_env_vars

from stageterm.config import checks
from stageterm.config.checks import SECRETS, one_line
from stageterm.config.errors import ConfigError
from stageterm.config.model import Settings
from stageterm.config.paths import find_config_file, locale_is_utf8

# Fields that say where settings came from, not settings: no file or variable sets them.
NOT_SETTINGS = frozenset({"config_file", "warnings"})
SETTINGS = frozenset(Settings.model_fields) - NOT_SETTINGS


class GivenEnvironment(EnvSettingsSource):
    """STAGETERM_* from the mapping given (the process's environment, or a test's), read
    by pydantic-settings' rules: prefix, empty values ignored, lists left to the model."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = env  # before super(): its __init__ reads the variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._given, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in super().__call__().items() if k in SETTINGS}


class ConfigFile(PydanticBaseSettingsSource):
    """stageterm.toml: keys in lower case without the prefix (`upstream_url = "…"`), the
    prefix tolerated, optionally under a [stageterm] table; an unknown key is an error
    naming it (a typo would otherwise be a setting silently not set)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.values = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{self.path}: cannot read config: {exc}") from None
        table = data.get("stageterm", data)
        if not isinstance(table, dict):
            raise ConfigError(f"{self.path}: [stageterm] must be a table of settings")
        values: dict[str, Any] = {}
        for key, raw in table.items():
            name = key.lower().removeprefix("stageterm_")
            if name not in SETTINGS:
                raise ConfigError(f"{self.path}: unknown setting {key!r}")
            values[name] = raw
        return values

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)

    def holds_a_secret_others_can_read(self) -> bool:
        if not any(self.values.get(name) for name in SECRETS):
            return False
        return bool(self.path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))


def load(flags: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Settings from the file, then the environment, then the flags (each beating the last)."""
    path = find_config_file(env)
    file = ConfigFile(Settings, path) if path is not None else None
    values: dict[str, Any] = {}
    for source in (file, GivenEnvironment(Settings, env)):
        if source is not None:
            values.update(source())
    values.update({name: raw for name, raw in flags.items() if raw is not None})
    if "ascii" not in values and not locale_is_utf8(env):
        values["ascii"] = True
    problem: str | None = None
    try:
        settings = Settings(**values, config_file=str(path or ""))
    except ValidationError as exc:
        problem = one_line(exc)
    if problem is not None:
        # Raised out here, with no context: pydantic's own text quotes the input, a token too.
        raise ConfigError(problem)
    warnings = []
    if file is not None and file.holds_a_secret_others_can_read():
        warnings.append(f"{path} holds a token and others can read it: chmod 600 {path}")
    warnings.extend(cleartext_warnings(settings))
    return settings.model_copy(update={"warnings": tuple(warnings)})


def cleartext_warnings(settings: Settings) -> list[str]:
    """A token that would cross the network unencrypted to another machine."""
    found = []
    for url_field, token_field in (
        ("upstream_url", "upstream_token"),
        ("master_url", "master_token"),
    ):
        host = checks.cleartext_host(getattr(settings, url_field))
        if host and getattr(settings, token_field).get_secret_value():
            found.append(
                f"{checks.env_name(token_field)} goes to {host} unencrypted "
                f"(plain http://): use https:// for {checks.env_name(url_field)}"
            )
    return found
