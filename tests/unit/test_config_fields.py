"""The settings SPEC §5 added (feed, inbox, printer, alerts, board, thresholds) and the
checks on every value: each bad value is one line naming the setting; tokens stay secret
and must fit in an HTTP header; a token in the clear to another machine is warned about."""

from __future__ import annotations

import ast
import inspect
import itertools
from pathlib import Path

import pytest

from stageterm.config import ConfigError, load_settings, model
from stageterm.config.model import Settings
from stageterm.domain.metrics import AgingThresholds

UTF8 = {"LANG": "C.UTF-8"}
TOKEN = "Qz7vK9wXp2Lm"
TOKENS = ("upstream_token", "master_token", "serve_token")


@pytest.fixture(autouse=True)
def no_config_file_around(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def from_env(**values: str) -> Settings:
    return load_settings({}, {**UTF8, **{f"STAGETERM_{k.upper()}": v for k, v in values.items()}})


def refused(**values: str) -> str:
    with pytest.raises(ConfigError) as caught:
        from_env(**values)
    message = str(caught.value)
    assert "\n" not in message
    return message


def with_file(tmp_path: Path, body: str, mode: int = 0o600, **env: str) -> Settings:
    path = tmp_path / "stageterm.toml"
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return load_settings({}, {**UTF8, "STAGETERM_CONFIG": str(path), **env})


# -- the model ---------------------------------------------------------------------------------


def test_every_setting_has_its_documentation() -> None:
    """One docstring a field, right under it, naming its environment variable."""
    tree = ast.parse(inspect.getsource(model))
    body = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings").body
    documented = {
        field.target.id: doc.value.value
        for field, doc in itertools.pairwise(body)
        if isinstance(field, ast.AnnAssign)
        and isinstance(field.target, ast.Name)
        and isinstance(doc, ast.Expr)
        and isinstance(doc.value, ast.Constant)
    }
    assert set(documented) == set(Settings.model_fields)
    for name, doc in documented.items():
        assert f"STAGETERM_{name.upper()}" in doc or "(not a setting)" in doc, name


def test_the_new_settings_and_their_defaults() -> None:
    settings = Settings()
    assert settings.upstream_content_type == "application/ld+json"
    assert (settings.master_url, settings.alert_url, settings.printer) == ("", "", "")
    assert settings.inbox is None and settings.printer_address() is None
    assert not settings.master_token and not settings.serve_token
    assert (settings.at_risk_minutes, settings.aging_minutes, settings.old_minutes) == (
        60,
        120,
        480,
    )
    assert settings.aging_thresholds() == AgingThresholds(aging_s=7200, old_s=28800)


def test_settings_built_in_code_read_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGETERM_SITE", "from-os")
    assert Settings().site == "site"
    assert Settings(site="given").site == "given"


def test_file_then_environment_then_flags_for_the_new_settings(tmp_path: Path) -> None:
    body = 'printer = "file-printer"\nat_risk_minutes = 30\ninbox = "/srv/file-inbox"\n'
    settings = with_file(
        tmp_path, body, STAGETERM_PRINTER="env-printer:9101", STAGETERM_INBOX="/srv/env-inbox"
    )
    assert settings.printer == "env-printer:9101"
    assert settings.at_risk_minutes == 30
    assert settings.inbox == Path("/srv/env-inbox")
    flagged = load_settings({"printer": "flag-printer"}, {**UTF8, "STAGETERM_PRINTER": "p2"})
    assert flagged.printer == "flag-printer:9100"


def test_replace_checks_the_change_like_any_setting() -> None:
    assert Settings().replace(site="north").site == "north"
    with pytest.raises(ConfigError, match="STAGETERM_PRINTER"):
        Settings().replace(printer="zebra:0")


# -- each check, one line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("application/json", "application/json"),
        (" Application/LD+JSON ", "application/ld+json"),
    ],
)
def test_the_content_type_upstream_gets(given: str, kept: str) -> None:
    assert from_env(upstream_content_type=given).upstream_content_type == kept


def test_any_other_content_type_is_refused() -> None:
    assert refused(upstream_content_type="application/xml") == (
        "STAGETERM_UPSTREAM_CONTENT_TYPE: must be application/ld+json or application/json"
    )


@pytest.mark.parametrize(
    ("given", "kept", "address"),
    [
        ("zebra-1:9100", "zebra-1:9100", ("zebra-1", 9100)),
        ("zebra-1", "zebra-1:9100", ("zebra-1", 9100)),
        ("10.0.0.7:6101", "10.0.0.7:6101", ("10.0.0.7", 6101)),
        ("[fe80::1]:9101", "[fe80::1]:9101", ("fe80::1", 9101)),
        ("fe80::1", "[fe80::1]:9100", ("fe80::1", 9100)),
        ("zebra:65535", "zebra:65535", ("zebra", 65535)),
    ],
)
def test_a_printer_is_host_and_port(given: str, kept: str, address: tuple[str, int]) -> None:
    settings = from_env(printer=given)
    assert settings.printer == kept
    assert settings.printer_address() == address


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("zebra:0", "the port must be a number from 1 to 65535"),
        ("zebra:65536", "the port must be a number from 1 to 65535"),
        ("zebra:http", "the port must be a number from 1 to 65535"),
        ("zebra:", "the port must be a number from 1 to 65535"),
        (":9100", "the printer's host is missing"),
        ("zeb ra:9100", "not a host name"),
        ("zebra\x1b[2J:9100", "not a host name"),
        ("[fe80::1:9100", "write an IPv6 printer as [ADDRESS]:PORT"),
    ],
)
def test_a_bad_printer_is_refused(given: str, says: str) -> None:
    message = refused(printer=given)
    assert message.startswith("STAGETERM_PRINTER: ")
    assert says in message
    assert "\x1b" not in message


@pytest.mark.parametrize("field", ["upstream_url", "master_url", "alert_url"])
def test_addresses_are_http_or_https(field: str) -> None:
    assert getattr(from_env(**{field: " https://h.example/x "}), field) == "https://h.example/x"
    name = f"STAGETERM_{field.upper()}"
    assert refused(**{field: "ftp://user:pw@h.example/"}) == (
        f"{name} is not an http:// or https:// address"
    )
    assert refused(**{field: "http://user:pw@h.example:99999/"}).startswith(
        f"{name} is not a valid address: "
    )
    assert "user:pw" not in refused(**{field: "http://user:pw@h/\x9b"})


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"at_risk_minutes": "0"}, "STAGETERM_AT_RISK_MINUTES must be more than 0 (not '0')"),
        ({"aging_minutes": "soon"}, "STAGETERM_AGING_MINUTES must be a number (not 'soon')"),
        (
            {"aging_minutes": "90", "old_minutes": "60"},
            "STAGETERM_OLD_MINUTES must be more than STAGETERM_AGING_MINUTES (90)",
        ),
        ({"idle_minutes": "-1"}, "STAGETERM_IDLE_MINUTES must be at least 0 (not '-1')"),
        ({"sync_batch": "0"}, "STAGETERM_SYNC_BATCH must be at least 1 (not '0')"),
        (
            {"ascii": "maybe"},
            "STAGETERM_ASCII must be yes or no (1/0, true/false, on/off) (not 'maybe')",
        ),
        (
            {"site": "North\u202e"},
            "STAGETERM_SITE has invisible or unprintable characters: North\\u202e",
        ),
        ({"terminal": "T" * 129}, "STAGETERM_TERMINAL is too long (129 characters; at most 128)"),
        (
            {"inbox": "/srv/in\x1bbox"},
            "STAGETERM_INBOX has terminal escape sequences: /srv/in\\x1bbox",
        ),
    ],
)
def test_each_bad_value_is_one_line_naming_the_setting(values: dict[str, str], says: str) -> None:
    assert refused(**values) == says


def test_thresholds_feed_the_aging_words() -> None:
    settings = from_env(aging_minutes="30", old_minutes="90.5")
    assert settings.aging_thresholds() == AgingThresholds(aging_s=1800, old_s=5430)


def test_the_inbox_is_a_folder_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert from_env(inbox="~/inbox").inbox == tmp_path / "inbox"


def test_an_empty_inbox_in_the_file_is_no_inbox(tmp_path: Path) -> None:
    assert with_file(tmp_path, 'inbox = ""\n').inbox is None


# -- tokens --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", TOKENS)
def test_no_token_is_ever_shown(field: str) -> None:
    settings = from_env(**{field: TOKEN})
    assert getattr(settings, field).get_secret_value() == TOKEN
    for shown in (
        repr(settings),
        str(settings),
        f"{getattr(settings, field)}",
        settings.model_dump_json(),
        str(settings.model_dump()),
    ):
        assert TOKEN[:4] not in shown


BAD_TOKENS = {
    "trailing-newline": (f"{TOKEN}\n", "whitespace"),
    "inner-space": (f"{TOKEN[:5]} {TOKEN[5:]}", "whitespace"),
    "tab": (f"\t{TOKEN}", "whitespace"),
    "nbsp": (f"{TOKEN}\u00a0", "whitespace"),
    "escape": (f"{TOKEN}\x1b[2J", "control characters"),
    "nul": (f"{TOKEN}\x00", "control characters"),
    "delete": (f"{TOKEN}\x7f", "control characters"),
    "non-ascii": (f"{TOKEN}É", "characters beyond ASCII"),
    "bidi": (f"{TOKEN}\u202e", "characters beyond ASCII"),
}


@pytest.mark.parametrize("field", TOKENS)
@pytest.mark.parametrize(("token", "kind"), BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_no_header_can_carry_is_refused_without_showing_it(
    field: str, token: str, kind: str
) -> None:
    message = refused(**{field: token})
    assert message.startswith(f"STAGETERM_{field.upper()} cannot be sent in an HTTP header: ")
    assert kind in message
    for piece in (TOKEN[:4], TOKEN[-4:], repr(token)[1:-1]):
        assert piece not in message


def test_a_token_read_from_a_triple_quoted_toml_string_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        with_file(tmp_path, f'upstream_token = """{TOKEN}\n"""\n')
    assert "STAGETERM_UPSTREAM_TOKEN cannot be sent in an HTTP header" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert TOKEN[:4] not in str(caught.value)


@pytest.mark.parametrize("field", TOKENS)
def test_a_file_others_can_read_is_warned_about_for_every_token(tmp_path: Path, field: str) -> None:
    settings = with_file(tmp_path, f'{field} = "{TOKEN}"\n', mode=0o640)
    [warning] = settings.warnings
    assert "others can read it: chmod 600" in warning
    assert TOKEN[:4] not in warning


def test_a_file_without_a_token_is_no_secret(tmp_path: Path) -> None:
    assert with_file(tmp_path, 'site = "north"\nupstream_token = ""\n', mode=0o644).warnings == ()


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://wms.example.com/capture", "wms.example.com"),
        ("http://10.1.2.3:8080/capture", "10.1.2.3"),
        ("HTTP://[2001:db8::1]/x", "2001:db8::1"),
        ("https://wms.example.com/capture", None),
        ("http://127.0.0.1:8080/capture", None),
        ("http://127.9.8.7/capture", None),
        ("http://[::1]:8080/capture", None),
        ("http://localhost/capture", None),
        ("http://LOCALHOST./capture", None),
    ],
)
@pytest.mark.parametrize("kind", ["upstream", "master"])
def test_a_token_in_the_clear_to_another_machine_is_warned_about(
    url: str, warned: str | None, kind: str
) -> None:
    settings = from_env(**{f"{kind}_url": url, f"{kind}_token": TOKEN})
    if warned is None:
        assert settings.warnings == ()
        return
    [warning] = settings.warnings
    assert warning == (
        f"STAGETERM_{kind.upper()}_TOKEN goes to {warned} unencrypted (plain http://): "
        f"use https:// for STAGETERM_{kind.upper()}_URL"
    )


def test_no_token_no_cleartext_warning() -> None:
    assert from_env(upstream_url="http://wms.example.com/capture").warnings == ()
