"""Configuration through the installed `stageterm` (issue #16 items 2 and 9, SPEC §5).

A token that cannot travel in an HTTP header is bad configuration: exit 2, one line,
nothing sent, and the token in no form on the screen or in the database. A token sent
in the clear to another machine gets a warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from receiver import Receiver

from integration.test_cli_hostile import Ran, stageterm

TOKEN = "Qz7vK9wXp2Lm"  # no 4 letters of it in a row appear in any English sentence


@pytest.fixture
def upstream() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def leaked(text: str, token: str) -> list[str]:
    """Every piece of `token` (4 characters or more) that shows in `text`: the token raw,
    escaped, quoted or cut all leave such a piece."""
    letters = token.strip()
    return sorted(
        {
            letters[i:j]
            for i in range(len(letters))
            for j in range(i + 4, len(letters) + 1)
            if letters[i:j].isprintable() and letters[i:j] in text
        }
    )


def database_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def assert_nowhere(ran: Ran, db: str, token: str) -> None:
    assert leaked(ran.stdout + ran.stderr, token) == [], ran.stderr
    stored = database_bytes(db).decode("latin-1")
    assert leaked(stored, token) == []


def write_config(home: Path, body: str) -> Path:
    path = home / "stageterm.toml"
    path.write_text(body, encoding="utf-8")
    path.chmod(0o600)
    return path


BAD_TOKENS = {
    "toml-triple-quoted": f'upstream_token = """{TOKEN}\n"""\n',
    "toml-non-ascii": f'upstream_token = "{TOKEN[:6]}É{TOKEN[6:]}"\n',
    "toml-inner-space": f'upstream_token = "{TOKEN[:6]} {TOKEN[6:]}"\n',
    "toml-tab": f'upstream_token = "{TOKEN}\\t"\n',
    "toml-escape": f'upstream_token = "{TOKEN}\\u001b[2J"\n',
    "toml-nbsp": f'upstream_token = "{TOKEN}\\u00a0"\n',
}


@pytest.mark.parametrize("body", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_a_token_no_header_can_carry_is_a_config_error_that_shows_nothing_of_it(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, upstream: Receiver, body: str
) -> None:
    write_config(run_cli.home, body + f'upstream_url = "{upstream.url}"\n')
    ran = stageterm(
        run_cli, "sync", "--once", db=demo_db, env={"STAGETERM_SYNC_RETRY_ATTEMPTS": "1"}
    )
    assert ran.returncode == 2, ran.stderr
    [line] = ran.err_lines
    assert line.startswith("stageterm: STAGETERM_UPSTREAM_TOKEN cannot be sent in an HTTP header")
    assert upstream.requests == []
    assert_nowhere(ran, demo_db, TOKEN)


@pytest.mark.parametrize(
    "token",
    [f"{TOKEN}\n", f"{TOKEN[:5]}ü{TOKEN[5:]}", f" {TOKEN}", f"{TOKEN}\x7f"],
    ids=["newline", "non-ascii", "leading-space", "delete"],
)
def test_a_bad_token_in_the_environment_is_refused_the_same_way(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, upstream: Receiver, token: str
) -> None:
    env = {
        "STAGETERM_UPSTREAM_URL": upstream.url,
        "STAGETERM_UPSTREAM_TOKEN": token,
        "STAGETERM_SYNC_RETRY_ATTEMPTS": "1",
    }
    ran = stageterm(run_cli, "sync", "--once", db=demo_db, env=env)
    assert ran.returncode == 2
    [line] = ran.err_lines
    assert "STAGETERM_UPSTREAM_TOKEN" in line
    assert upstream.requests == []
    assert_nowhere(ran, demo_db, TOKEN)


def test_a_bad_master_token_is_refused_by_name(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    write_config(run_cli.home, f"master_token = '''{TOKEN}\n'''\n")
    ran = stageterm(run_cli, "queue", db=demo_db)
    assert ran.returncode == 2
    [line] = ran.err_lines
    assert line.startswith("stageterm: STAGETERM_MASTER_TOKEN cannot be sent in an HTTP header")
    assert_nowhere(ran, demo_db, TOKEN)


def test_a_good_token_still_reaches_upstream(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    server = Receiver(token=TOKEN).start()
    try:
        write_config(run_cli.home, f'upstream_token = "{TOKEN}"\nupstream_url = "{server.url}"\n')
        ran = stageterm(run_cli, "sync", "--once", db=demo_db)
        assert ran.returncode == 0, ran.stderr
        assert server.requests
        assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.requests)
    finally:
        server.stop()
    assert_nowhere(ran, demo_db, TOKEN)


# -- a token in the clear -------------------------------------------------------------------------


def test_a_token_over_plain_http_to_another_host_is_warned_about(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    env = {
        "STAGETERM_UPSTREAM_URL": "http://wms.example.com/capture",
        "STAGETERM_UPSTREAM_TOKEN": TOKEN,
        "STAGETERM_MASTER_URL": "http://erp.example.com/feed",
        "STAGETERM_MASTER_TOKEN": TOKEN,
    }
    ran = stageterm(run_cli, "sync", "--status", db=demo_db, env=env)  # reads the database only
    assert ran.returncode == 0, ran.stderr
    warnings = [line for line in ran.err_lines if line.startswith("stageterm: warning: ")]
    assert len(warnings) == 2
    assert "STAGETERM_UPSTREAM_TOKEN" in warnings[0] and "wms.example.com" in warnings[0]
    assert "STAGETERM_MASTER_TOKEN" in warnings[1] and "erp.example.com" in warnings[1]
    assert_nowhere(ran, demo_db, TOKEN)


def test_a_token_over_plain_http_to_this_machine_is_fine(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, upstream: Receiver
) -> None:
    env = {"STAGETERM_UPSTREAM_URL": upstream.url, "STAGETERM_UPSTREAM_TOKEN": TOKEN}
    ran = stageterm(run_cli, "sync", "--status", db=demo_db, env=env)
    assert (ran.returncode, ran.stderr) == (0, "")


def test_a_secret_in_a_file_others_can_read_is_warned_about(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    path = write_config(run_cli.home, f'serve_token = "{TOKEN}"\n')
    path.chmod(0o644)
    ran = stageterm(run_cli, "queue", db=demo_db)
    assert ran.returncode == 0
    assert f"stageterm: warning: {path} holds a token and others can read it: chmod 600 {path}" in (
        ran.err_lines
    )
    assert_nowhere(ran, demo_db, TOKEN)


# -- new settings are checked where they are read ---------------------------------------------------


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"STAGETERM_PRINTER": "zebra-1:99999"},
            "STAGETERM_PRINTER: the port must be a number from 1 to 65535 (HOST:PORT)",
        ),
        (
            {"STAGETERM_UPSTREAM_CONTENT_TYPE": "text/xml"},
            "STAGETERM_UPSTREAM_CONTENT_TYPE: must be application/ld+json or application/json",
        ),
        (
            {"STAGETERM_AGING_MINUTES": "500", "STAGETERM_OLD_MINUTES": "480"},
            "STAGETERM_OLD_MINUTES must be more than STAGETERM_AGING_MINUTES (500)",
        ),
    ],
    ids=["printer-port", "content-type", "old-before-aging"],
)
def test_a_bad_new_setting_is_one_line_and_exit_2(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, env: dict[str, str], says: str
) -> None:
    ran = stageterm(run_cli, "queue", db=demo_db, env=env)
    assert (ran.returncode, ran.stdout) == (2, "")
    assert ran.err_lines == [f"stageterm: {says}"]


def test_version_needs_no_settings(run_cli) -> None:  # type: ignore[no-untyped-def]
    write_config(run_cli.home, "colour = 'red'\n")  # an error, were the file read
    ran = stageterm(run_cli, "--version", db="")
    assert ran.returncode == 0 and ran.stdout.startswith("stageterm ")
