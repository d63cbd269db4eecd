"""The `Settings` model: every setting stageterm reads, typed, documented and checked.

Each field's docstring is its documentation, one per setting.
A value that cannot be used fails here, whichever source it came from, with one line
naming the setting; `stageterm.config.sources` reads the sources and turns the failure
into a `ConfigError`. Built in code, `Settings(...)` holds the defaults and what it is
given: only `load_settings` reads the environment and stageterm.toml.

Heavy to import (pydantic-settings): `stageterm.config` hands it out on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from stageterm.config import checks
from stageterm.config.checks import one_line
from stageterm.config.errors import ConfigError
from stageterm.config.paths import (
    default_db_path,
    default_demo_db_path,
    default_terminal,
    normalise_db_url,
)

if TYPE_CHECKING:
    from stageterm.domain.metrics import AgingThresholds

# A comma-separated list in the environment, a list or a comma-separated string in the
# file (NoDecode: pydantic-settings would otherwise read the environment's text as JSON).
Names = Annotated[tuple[str, ...], NoDecode]
# SPEC §6: EPCIS 2.0's own media type unless upstream only takes plain JSON.
ContentType = Literal["application/ld+json", "application/json"]
_V = TypeVar("_V")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STAGETERM_",
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
        validate_default=True,
        coerce_numbers_to_str=True,
        # The docstrings stay source documentation (a test checks each field has one):
        # handing them to pydantic would read and parse this file at every start (~40 ms).
        use_attribute_docstrings=False,
    )

    db: str = ""
    """SQLAlchemy URL or path of the database (STAGETERM_DB); empty means the user data directory."""
    terminal: str = ""
    """This terminal's id (STAGETERM_TERMINAL); empty means host + tty, so each SSH session is its own terminal."""
    site: str = "site"
    """Site name, used in upstream location URIs (STAGETERM_SITE)."""
    upstream_url: str = ""
    """Where sync posts events (STAGETERM_UPSTREAM_URL); empty means sync is off."""
    upstream_token: SecretStr = SecretStr("")
    """Bearer token for upstream (STAGETERM_UPSTREAM_TOKEN); never printed, logged or stored."""
    upstream_content_type: ContentType = "application/ld+json"
    """Content type of sync's requests (STAGETERM_UPSTREAM_CONTENT_TYPE): application/ld+json or application/json."""
    upstream_ca_bundle: str = ""
    """PEM file of CAs trusted for upstream TLS (STAGETERM_UPSTREAM_CA_BUNDLE); empty: system CAs."""
    sgln_prefix: str = ""
    """Company prefix and location reference for SGLN ids, e.g. 4012345.00001 (STAGETERM_SGLN_PREFIX); empty: site URIs."""
    master_url: str = ""
    """Base URL of the master data feed that `stageterm pull` reads (STAGETERM_MASTER_URL); empty: no feed."""
    master_token: SecretStr = SecretStr("")
    """Bearer token for the master data feed (STAGETERM_MASTER_TOKEN); never printed, logged or stored."""
    inbox: Path | None = None
    """Folder where master data files are dropped for `stageterm pull` (STAGETERM_INBOX); unset: no inbox."""
    printer: str = ""
    """Label printer as HOST:PORT (STAGETERM_PRINTER); a bare host means port 9100; empty: none."""
    alert_url: str = ""
    """Where each alert is posted once as JSON (STAGETERM_ALERT_URL); empty: alerts stay on screen."""
    serve_token: SecretStr = SecretStr("")
    """Token the browser board asks for when `stageterm serve` listens beyond 127.0.0.1 (STAGETERM_SERVE_TOKEN)."""
    at_risk_minutes: float = Field(default=60.0, gt=0)
    """An outbound order due within this many minutes whose units are not all staged is at risk (STAGETERM_AT_RISK_MINUTES)."""
    aging_minutes: float = Field(default=120.0, gt=0)
    """A lane whose oldest unit has dwelt this long is AGING (STAGETERM_AGING_MINUTES)."""
    old_minutes: float = Field(default=480.0, gt=0)
    """A lane whose oldest unit has dwelt this long is OLD and raises a lane-old alert (STAGETERM_OLD_MINUTES)."""
    idle_minutes: float = Field(default=10.0, ge=0)
    """Sign out after this many minutes without a key (STAGETERM_IDLE_MINUTES); 0 turns it off."""
    ascii: bool = False
    """Draw no box or block characters (STAGETERM_ASCII); on where the locale is not UTF-8."""
    gs_substitutes: Names = ("|", "~", "<GS>")
    """Visible stand-ins a scanner sends for the GS1 separator (STAGETERM_GS_SUBSTITUTES, comma-separated)."""
    scan_prefix: str = ""
    """Characters the scanner puts before each scan (STAGETERM_SCAN_PREFIX)."""
    scan_suffix: str = ""
    """Characters the scanner puts after each scan (STAGETERM_SCAN_SUFFIX)."""
    badge_only_roles: Names = ("operator", "lead", "quality", "admin")
    """Roles that may sign in with a badge alone when they have no PIN (STAGETERM_BADGE_ONLY_ROLES, comma-separated)."""
    sync_batch: int = Field(default=500, ge=1)
    """Events per upstream request (STAGETERM_SYNC_BATCH)."""
    busy_timeout: float = Field(default=15.0, gt=0, lt=86_400)
    """Seconds a write waits for another terminal's write before it answers "database is busy" (STAGETERM_BUSY_TIMEOUT)."""
    config_file: str = ""
    """The stageterm.toml these settings were read from, if any (not a setting)."""
    warnings: tuple[str, ...] = ()
    """Things the user should know about the configuration, such as a token file others can read (not a setting)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only what the caller gives: load_settings reads the environment it is handed (the
        # process's, or a test's) and the file, so Settings() in code is the defaults.
        return (init_settings,)

    # -- checks ------------------------------------------------------------------------------

    @field_validator("db")
    @classmethod
    def _db_is_a_database(cls, value: str) -> str:
        if value:
            normalise_db_url(value)  # fails with the reason; the text is kept as typed
        return value

    @field_validator("terminal", "site")
    @classmethod
    def _label_is_plain_text(cls, value: str, info: ValidationInfo) -> str:
        return _passes(checks.label_text_problem(value, str(info.field_name)), value)

    @field_validator("upstream_url", "master_url", "alert_url")
    @classmethod
    def _url_is_http(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if not value:
            return value
        return _passes(checks.url_problem(value, str(info.field_name)), value)

    @field_validator("upstream_token", "master_token", "serve_token")
    @classmethod
    def _token_fits_a_header(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        problem = checks.header_token_problem(value.get_secret_value(), str(info.field_name))
        return _passes(problem, value)

    @field_validator("upstream_content_type", mode="before")
    @classmethod
    def _content_type_is_known(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):  # media types are case-insensitive
            value = value.strip().lower()
            return _passes(checks.content_type_problem(value, str(info.field_name)), value)
        return value

    @field_validator("printer")
    @classmethod
    def _printer_is_host_port(cls, value: str) -> str:
        if not value.strip():
            return ""
        host, port = checks.printer_address(value)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @field_validator("inbox", mode="before")
    @classmethod
    def _inbox_is_a_path(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            return Path(_passes(checks.path_problem(value, "inbox"), value)).expanduser()
        return value

    @field_validator("gs_substitutes", "badge_only_roles", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        items = value.split(",") if isinstance(value, str) else value
        if isinstance(items, (list, tuple)):
            return tuple(s for s in (str(i).strip() for i in items) if s)
        return value

    @model_validator(mode="after")
    def _old_after_aging(self) -> Settings:
        if self.old_minutes <= self.aging_minutes:
            raise ValueError(
                f"STAGETERM_OLD_MINUTES must be more than STAGETERM_AGING_MINUTES "
                f"({self.aging_minutes:g})"
            )
        return self

    # -- what the rest of the program asks -----------------------------------------------------

    def db_url(self, *, demo: bool = False) -> str:
        if self.db:
            return normalise_db_url(self.db)
        path = default_demo_db_path() if demo else default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"

    def terminal_id(self) -> str:
        return self.terminal or default_terminal()

    def printer_address(self) -> tuple[str, int] | None:
        """(host, port) of the label printer, or None when none is set."""
        return checks.printer_address(self.printer) if self.printer else None

    def aging_thresholds(self) -> AgingThresholds:
        """The lane aging words (AGING, OLD) and the lane-old alert, in seconds."""
        from stageterm.domain.metrics import AgingThresholds

        return AgingThresholds(
            aging_s=round(self.aging_minutes * 60), old_s=round(self.old_minutes * 60)
        )

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes`, checked like any settings (dataclasses.replace, for a model)."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        try:
            return type(self).model_validate({**values, **changes})
        except ValidationError as exc:
            problem = one_line(exc)
        # Raised out here, with no context: pydantic's own text quotes the input, a token too.
        raise ConfigError(problem)


def _passes(problem: str | None, value: _V) -> _V:
    """`value` when there is no problem; else the problem, for pydantic to report."""
    if problem:
        raise ValueError(problem)
    return value
