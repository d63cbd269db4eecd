"""Settings: flags beat environment beat stageterm.toml; database URLs; secrets stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from stageterm.config import (
    ConfigError,
    default_db_path,
    default_demo_db_path,
    load_settings,
    normalise_db_url,
)
from stageterm.config.model import Settings

UTF8 = {"LANG": "C.UTF-8"}


@pytest.fixture(autouse=True)
def no_config_file_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody's own stageterm.toml (in the cwd or their config dir) leaks into these tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def write_toml(path: Path, body: str, mode: int = 0o600) -> Path:
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return path


# -- database URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("/var/lib/stageterm/site.db", "sqlite:////var/lib/stageterm/site.db"),
        ("sqlite:////var/lib/stageterm/site.db", "sqlite:////var/lib/stageterm/site.db"),
        ("  /srv/a.db  ", "sqlite:////srv/a.db"),
        ("postgresql://floor@db.site/stage", "postgresql+psycopg://floor@db.site/stage"),
        ("postgres://floor@db.site/stage", "postgresql+psycopg://floor@db.site/stage"),
        ("PostgreSQL://floor@db.site/stage", "postgresql+psycopg://floor@db.site/stage"),
        ("postgresql+psycopg://floor@db.site/stage", "postgresql+psycopg://floor@db.site/stage"),
    ],
)
def test_database_urls_users_type(given: str, url: str) -> None:
    assert normalise_db_url(given) == url


def test_a_relative_path_is_made_absolute(tmp_path: Path) -> None:
    assert normalise_db_url("site.db") == f"sqlite:///{tmp_path.resolve() / 'site.db'}"


def test_a_home_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert normalise_db_url("~/site.db") == f"sqlite:///{tmp_path.resolve() / 'site.db'}"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("mysql://root@db/stage", "mysql"),
        ("sqlite://relative.db", "sqlite:///"),
        ("/tmp/a\x1b[2J.db", "control characters"),
    ],
)
def test_bad_database_urls_get_a_one_line_reason(given: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        normalise_db_url(given)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_default_databases_live_in_the_user_data_directory(tmp_path: Path) -> None:
    assert default_db_path() == tmp_path / "data" / "stageterm" / "stageterm.db"
    assert default_demo_db_path() != default_db_path()  # the demo never touches real data


def test_db_url_falls_back_to_the_default_file_and_creates_its_directory(tmp_path: Path) -> None:
    url = Settings().db_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'stageterm' / 'stageterm.db'}"
    assert (tmp_path / "data" / "stageterm").is_dir()
    assert Settings().db_url(demo=True).endswith("demo.db")


# -- where settings come from -------------------------------------------------------------------


def test_flags_beat_environment_beat_file(tmp_path: Path) -> None:
    config = write_toml(
        tmp_path / "stageterm.toml",
        'db = "/srv/file.db"\nsite = "file-site"\nterminal = "file-terminal"\nidle_minutes = 3\n',
    )
    env = {
        **UTF8,
        "STAGETERM_CONFIG": str(config),
        "STAGETERM_DB": "/srv/env.db",
        "STAGETERM_TERMINAL": "env-t",
    }
    settings = load_settings({"db": "/srv/flag.db"}, env)
    assert settings.db == "/srv/flag.db"
    assert settings.terminal == "env-t"
    assert settings.site == "file-site"
    assert settings.idle_minutes == 3.0
    assert settings.config_file == str(config)


def test_an_unset_flag_does_not_hide_the_environment() -> None:
    settings = load_settings({"db": None}, {**UTF8, "STAGETERM_DB": "/srv/env.db"})
    assert settings.db == "/srv/env.db"


def test_an_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "stageterm.toml", 'site = "file-site"\n')
    settings = load_settings({}, {**UTF8, "STAGETERM_CONFIG": str(config), "STAGETERM_SITE": ""})
    assert settings.site == "file-site"


def test_the_file_is_found_in_the_working_directory(tmp_path: Path) -> None:
    write_toml(tmp_path / "stageterm.toml", '[stageterm]\nsite = "cwd-site"\n')
    assert load_settings({}, UTF8).site == "cwd-site"


def test_the_file_is_found_in_the_user_config_directory(tmp_path: Path) -> None:
    (tmp_path / "config" / "stageterm").mkdir(parents=True)
    write_toml(
        tmp_path / "config" / "stageterm" / "stageterm.toml", 'STAGETERM_SITE = "user-site"\n'
    )
    assert load_settings({}, UTF8).site == "user-site"


def test_environment_lists_are_comma_separated() -> None:
    settings = load_settings({}, {**UTF8, "STAGETERM_GS_SUBSTITUTES": " ^ , ## ,"})
    assert settings.gs_substitutes == ("^", "##")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('colour = "red"\n', "unknown setting 'colour'"),
        ("site = \n", "cannot read config"),
        ('idle_minutes = "soon"\n', "STAGETERM_IDLE_MINUTES must be a number (not 'soon')"),
        ('[stageterm]\nconfig_file = "x"\n', "unknown setting 'config_file'"),
        ("stageterm = 1\n", "[stageterm] must be a table of settings"),
    ],
)
def test_a_bad_config_file_is_named_with_the_reason(tmp_path: Path, body: str, says: str) -> None:
    config = write_toml(tmp_path / "stageterm.toml", body)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, {**UTF8, "STAGETERM_CONFIG": str(config)})
    assert says in str(caught.value)


def test_a_bad_environment_value_is_an_error_not_a_crash() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, {**UTF8, "STAGETERM_SYNC_BATCH": "lots"})
    assert str(caught.value) == "STAGETERM_SYNC_BATCH must be a whole number (not 'lots')"


def test_a_bad_database_url_fails_when_settings_load() -> None:
    with pytest.raises(ConfigError, match="ftp"):
        load_settings({}, {**UTF8, "STAGETERM_DB": "ftp://nowhere/x"})


# -- secrets ----------------------------------------------------------------------------------


def test_the_upstream_token_is_never_shown() -> None:
    settings = load_settings({}, {**UTF8, "STAGETERM_UPSTREAM_TOKEN": "s3cr3t-t0ken"})
    assert settings.upstream_token.get_secret_value() == "s3cr3t-t0ken"
    for shown in (
        repr(settings),
        str(settings),
        f"{settings.upstream_token}",
        repr(settings.upstream_token),
        settings.model_dump_json(),
        str(settings.model_dump()),
    ):
        assert "s3cr3t" not in shown


def test_no_token_is_a_false_secret() -> None:
    assert not Settings().upstream_token
    assert load_settings({}, {**UTF8, "STAGETERM_MASTER_TOKEN": "x"}).master_token


def test_a_token_in_a_file_others_can_read_is_warned_about(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "stageterm.toml", 'upstream_token = "abc123"\n', mode=0o644)
    settings = load_settings({}, {**UTF8, "STAGETERM_CONFIG": str(config)})
    assert any("chmod 600" in w for w in settings.warnings)
    assert not any("abc123" in w for w in settings.warnings)


def test_a_private_token_file_is_fine(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "stageterm.toml", 'upstream_token = "abc123"\n', mode=0o600)
    assert load_settings({}, {**UTF8, "STAGETERM_CONFIG": str(config)}).warnings == ()


# -- terminal id and ASCII mode ----------------------------------------------------------------


def test_each_session_is_its_own_terminal_by_default() -> None:
    terminal = Settings().terminal_id()
    host, _, session = terminal.partition(":")
    assert host and session
    assert Settings(terminal="dock-3").terminal_id() == "dock-3"


@pytest.mark.parametrize(
    ("env", "ascii_mode"),
    [
        ({"LANG": "en_US.UTF-8"}, False),
        ({"LC_ALL": "de_DE.utf8", "LANG": "C"}, False),
        ({"LANG": "C"}, True),
        ({}, True),
        ({"LC_CTYPE": "POSIX"}, True),
        ({"LANG": "C", "STAGETERM_ASCII": "0"}, False),  # said explicitly: believed
        ({"LANG": "en_US.UTF-8", "STAGETERM_ASCII": "yes"}, True),
    ],
)
def test_ascii_mode_where_the_locale_is_not_utf8(env: dict[str, str], ascii_mode: bool) -> None:
    assert load_settings({}, env).ascii is ascii_mode


def test_no_setting_reads_the_real_environment_when_given_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STAGETERM_SITE", "from-os")
    assert load_settings({}, UTF8).site == "site"
