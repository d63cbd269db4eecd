"""`stageterm doctor` as site IT runs it: the installed command in a subprocess, against
the demo site and loopback far sides (up, down, slow, 401, a clock off, a printer port)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from far_side import FarSide, Printer

CHECKS = ["database", "schema", "disk", "clock", "upstream", "feed", "inbox", "printer", "secrets"]
TOKEN = "tok-SECRET-0xD0C70R"
MASTER_TOKEN = "mst-SECRET-0xFEED"


@pytest.fixture
def upstream() -> Iterator[FarSide]:
    side = FarSide(token=TOKEN).start()
    yield side
    side.stop()


@pytest.fixture
def feed() -> Iterator[FarSide]:
    side = FarSide(token=MASTER_TOKEN).start()
    yield side
    side.stop()


@pytest.fixture
def printer() -> Iterator[Printer]:
    port = Printer()
    yield port
    port.close()


@pytest.fixture
def site_env(upstream: FarSide, feed: FarSide, printer: Printer, tmp_path: Path) -> dict[str, str]:
    """Every setting the doctor looks at, pointed at a working loopback far side."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return {
        "STAGETERM_UPSTREAM_URL": upstream.url(),
        "STAGETERM_UPSTREAM_TOKEN": TOKEN,
        "STAGETERM_MASTER_URL": feed.url("/master"),
        "STAGETERM_MASTER_TOKEN": MASTER_TOKEN,
        "STAGETERM_PRINTER": printer.address,
        "STAGETERM_INBOX": str(inbox),
    }


def doctor(run_cli, db: str, env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    """`stageterm doctor --json ARGS`: (exit code, {check: finding}, the whole output)."""
    ran = run_cli("doctor", "--json", "--timeout", "1", *args, db=db, env=env)
    assert "Traceback" not in ran.stderr, ran.stderr
    findings = json.loads(ran.stdout)
    assert [f["check"] for f in findings] == CHECKS  # every check, in the promised order
    assert all(set(f) == {"check", "ok", "detail"} for f in findings)
    return ran.returncode, {f["check"]: f for f in findings}, ran.stdout + ran.stderr


def failed(found: dict[str, dict[str, object]]) -> set[str]:
    return {name for name, f in found.items() if not f["ok"]}


def test_the_demo_site_says_what_is_missing_then_passes_once_set_to_loopback_servers(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, upstream, feed, printer
) -> None:
    bare = run_cli("doctor", db=demo_db)
    assert bare.returncode == 2
    lines = bare.stdout.splitlines()
    assert len(lines) == len(CHECKS)  # one line a finding
    by_check = {line.split()[1]: line for line in lines}
    assert by_check["upstream"].startswith("FAIL")
    assert "STAGETERM_UPSTREAM_URL is not set" in by_check["upstream"]
    assert by_check["printer"].startswith("ok") and "not configured" in by_check["printer"]
    assert by_check["database"].startswith("ok") and by_check["schema"].startswith("ok")
    assert bare.stderr.strip().splitlines()[-1] == "stageterm: doctor: not set up right: upstream"

    code, found, output = doctor(run_cli, demo_db, site_env)
    assert code == 0, output
    assert failed(found) == set()
    assert "token accepted" in str(found["upstream"]["detail"])
    assert "token accepted" in str(found["feed"]["detail"])
    assert "within 60 s" in str(found["clock"]["detail"])
    assert feed.paths == ["/master/locations"]  # what `pull` asks first
    assert printer.connections == 1 and printer.received == b""  # looked at, nothing printed
    assert TOKEN not in output and MASTER_TOKEN not in output


def test_a_wrong_token_is_named_by_its_setting_and_never_shown(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env
) -> None:
    env = {**site_env, "STAGETERM_UPSTREAM_TOKEN": "wrong-SECRET-1", "STAGETERM_MASTER_TOKEN": ""}
    code, found, output = doctor(run_cli, demo_db, env)
    assert code == 2
    assert failed(found) == {"upstream", "feed"}
    assert "refused the token (401): check STAGETERM_UPSTREAM_TOKEN" in str(
        found["upstream"]["detail"]
    )
    assert "none is set: set STAGETERM_MASTER_TOKEN" in str(found["feed"]["detail"])
    assert "wrong-SECRET-1" not in output and TOKEN not in output


def test_upstream_down_slow_failing_or_redirecting_fails_with_what_to_do(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, upstream
) -> None:
    upstream.status = 503
    _code, found, _ = doctor(run_cli, demo_db, site_env)
    assert failed(found) == {"upstream"}
    assert "answered 503" in str(found["upstream"]["detail"])

    upstream.status, upstream.location = 302, "http://127.0.0.1:9/elsewhere"
    _code, found, _ = doctor(run_cli, demo_db, site_env)
    assert "redirects (302) to http://127.0.0.1:9/elsewhere" in str(found["upstream"]["detail"])

    upstream.status, upstream.location, upstream.delay = 200, None, 30.0
    started = time.monotonic()
    code, found, _ = doctor(run_cli, demo_db, site_env)
    # The 1 s timeout, not the server's 30 s (the margin is for a loaded machine's start-up).
    assert time.monotonic() - started < 20
    assert code == 2 and failed(found) == {"upstream"}
    assert "no answer within 1 s" in str(found["upstream"]["detail"])
    assert "not checked: upstream did not answer" in str(found["clock"]["detail"])
    assert found["clock"]["ok"] is True

    upstream.stop()
    code, found, _ = doctor(run_cli, demo_db, site_env)
    assert code == 2 and failed(found) == {"upstream"}
    assert "connection refused" in str(found["upstream"]["detail"])


def test_a_clock_more_than_60_s_off_upstreams_date_fails(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, upstream
) -> None:
    upstream.clock_skew = -120.0  # upstream is two minutes behind: our clock is ahead
    code, found, _ = doctor(run_cli, demo_db, site_env)
    assert code == 2 and failed(found) == {"clock"}
    detail = str(found["clock"]["detail"])
    assert detail.startswith("12") and "ahead of upstream" in detail and "timedatectl" in detail

    upstream.clock_skew = 20.0
    code, found, _ = doctor(run_cli, demo_db, site_env)
    assert code == 0 and "behind upstream (within 60 s)" in str(found["clock"]["detail"])


def test_printer_down_and_feed_not_found_fail(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, printer, feed
) -> None:
    printer.close()
    feed.status = 404
    code, found, _ = doctor(run_cli, demo_db, site_env)
    assert code == 2 and failed(found) == {"printer", "feed"}
    assert "refused the connection" in str(found["printer"]["detail"])
    assert "STAGETERM_PRINTER" in str(found["printer"]["detail"])
    assert "answered 404: check STAGETERM_MASTER_URL" in str(found["feed"]["detail"])


def test_an_inbox_that_is_missing_a_file_or_read_only_fails(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, tmp_path
) -> None:
    missing = tmp_path / "no-such-inbox"
    _code, found, _ = doctor(run_cli, demo_db, {**site_env, "STAGETERM_INBOX": str(missing)})
    assert failed(found) == {"inbox"} and "does not exist" in str(found["inbox"]["detail"])

    a_file = tmp_path / "inbox-file"
    a_file.write_text("not a folder")
    _code, found, _ = doctor(run_cli, demo_db, {**site_env, "STAGETERM_INBOX": str(a_file)})
    assert failed(found) == {"inbox"} and "is not a folder" in str(found["inbox"]["detail"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a mode-555 folder anyway")
def test_an_inbox_without_write_permission_fails(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, tmp_path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    _code, found, _ = doctor(run_cli, demo_db, {**site_env, "STAGETERM_INBOX": str(locked)})
    assert failed(found) == {"inbox"} and "cannot write in" in str(found["inbox"]["detail"])


def test_files_holding_secrets_must_be_the_owners_only(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, tmp_path
) -> None:
    toml = tmp_path / "stageterm.toml"
    toml.write_text(f'upstream_token = "{TOKEN}"\n')
    toml.chmod(0o644)
    env = {k: v for k, v in site_env.items() if k != "STAGETERM_UPSTREAM_TOKEN"}
    env["STAGETERM_CONFIG"] = str(toml)
    code, found, output = doctor(run_cli, demo_db, env)
    assert code == 2 and failed(found) == {"secrets"}
    assert f"chmod 600 {toml}" in str(found["secrets"]["detail"])
    assert "token accepted" in str(found["upstream"]["detail"])  # the file's token was used
    assert TOKEN not in output

    toml.chmod(0o600)
    code, found, _ = doctor(run_cli, demo_db, env)
    assert code == 0 and f"{toml}: owner only" == found["secrets"]["detail"]


def test_the_services_env_file_is_read_as_systemd_does_and_its_mode_checked(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, tmp_path
) -> None:
    env_file = tmp_path / "stageterm.env"
    lines = [
        "# what the services run with",
        f"STAGETERM_UPSTREAM_URL={site_env['STAGETERM_UPSTREAM_URL']}",
        f'STAGETERM_UPSTREAM_TOKEN="{TOKEN}"',
    ]
    env_file.write_text("\n".join(lines) + "\n")
    env_file.chmod(0o644)
    shell = {k: v for k, v in site_env.items() if not k.startswith("STAGETERM_UPSTREAM")}
    code, found, output = doctor(run_cli, demo_db, shell, "--env-file", str(env_file))
    assert code == 2 and failed(found) == {"secrets"}
    assert (
        f"{env_file} can be read by others (mode 644): chmod 600 {env_file}"
        == (found["secrets"]["detail"])
    )
    assert found["upstream"]["ok"] is True  # its URL and token came from the file
    assert TOKEN not in output

    env_file.chmod(0o600)
    code, found, _ = doctor(run_cli, demo_db, shell, "--env-file", str(env_file))
    assert code == 0, found

    broken = tmp_path / "broken.env"
    broken.write_text("this is not an assignment\n")
    ran = run_cli("doctor", "--env-file", str(broken), db=demo_db, env=shell)
    assert ran.returncode == 2 and ran.stdout == ""
    assert ran.stderr.strip() == f"stageterm: {broken}:1: not KEY=VALUE"


def test_a_missing_database_or_a_schema_behind_says_run_init(  # type: ignore[no-untyped-def]
    run_cli, demo_db, site_env, tmp_path
) -> None:
    nowhere = tmp_path / "none.db"
    code, found, _ = doctor(run_cli, str(nowhere), site_env)
    assert code == 2 and failed(found) == {"database", "schema"}
    assert "no database at" in str(found["database"]["detail"])
    assert not nowhere.exists()  # the doctor creates nothing

    path = demo_db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0002'")
    code, found, _ = doctor(run_cli, demo_db, site_env)
    assert code == 2 and failed(found) == {"schema"}
    assert "at 0002, behind" in str(found["schema"]["detail"])
    assert "stageterm init" in str(found["schema"]["detail"])
    with sqlite3.connect(path) as db:  # and the doctor did not migrate it
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
