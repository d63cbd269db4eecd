"""`stageterm sync` and `stageterm export` on the command line: exit codes, output, the token.

Run in this process through `stageterm.cli.main` (with the environment and working
directory isolated): the real processes are in test_sync_process.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from receiver import Receiver, Reply
from sync_site import Site, epcis_errors

from stageterm.cli import main
from stageterm.domain.model import EventType
from stageterm.store.engine import Store
from stageterm.store.tables import OperatorRow
from stageterm.sync import SyncWorker, read_status

TOKEN = "tok-SECRET-0xC0FFEE"
FAST_ENV = {
    "STAGETERM_SYNC_RETRY_ATTEMPTS": "2",
    "STAGETERM_SYNC_RETRY_INITIAL": "0.01",
    "STAGETERM_SYNC_RETRY_MAX": "0.05",
    "STAGETERM_SYNC_CONNECT_TIMEOUT": "1",
    "STAGETERM_SYNC_READ_TIMEOUT": "5",
}


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    """`cli("sync", "--once", db=url, env={...})`: stageterm's main with only these settings."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(home)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))

    def run(*args: str, db: str, env: dict[str, str] | None = None) -> Ran:
        with monkeypatch.context() as m:
            for key in [k for k in os.environ if k.startswith("STAGETERM_")]:
                m.delenv(key)
            for key, value in {
                "STAGETERM_DB": db,
                "STAGETERM_TERMINAL": "cli-test",
                **(env or {}),
            }.items():
                m.setenv(key, value)
            capsys.readouterr()
            code = main(list(args))
            out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(token=TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def sync_env(receiver: Receiver) -> dict[str, str]:
    return {**FAST_ENV, "STAGETERM_UPSTREAM_URL": receiver.url, "STAGETERM_UPSTREAM_TOKEN": TOKEN}


def test_without_an_upstream_url_sync_says_so_and_exits_2(cli, sqlite_store: Store) -> None:  # type: ignore[no-untyped-def]
    done = cli("sync", "--once", db=sqlite_store.url)
    assert done.returncode == 2
    assert "STAGETERM_UPSTREAM_URL is not set" in done.stderr and "Traceback" not in done.stderr


def test_once_delivers_and_exits_0_then_status_shows_it(
    cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    events = Site(sqlite_store).stages(30)
    done = cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert done.returncode == 0, done.stderr
    assert "sent 30 events; 0 pending" in done.stdout
    assert receiver.received_ids() == [f"urn:uuid:{e.id}" for e in events]
    assert all(epcis_errors(r.json) == [] for r in receiver.requests)
    status = json.loads(cli("sync", "--status", "--json", db=sqlite_store.url).stdout)
    assert (status["pending"], status["rejected_count"], status["failing"]) == (0, 0, False)
    assert status["last_success_at"] is not None


def test_upstream_down_exits_5_with_one_line_and_keeps_everything(
    cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    Site(sqlite_store).stages(12)
    receiver.stop()
    done = cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert done.returncode == 5
    assert done.stderr.count("\n") == 1 and f"upstream {receiver.url} unreachable" in done.stderr
    assert "12 events kept pending" in done.stderr
    status = cli("sync", "--status", db=sqlite_store.url)
    assert "pending:       12" in status.stdout and "last error:" in status.stdout
    for text in (done.stdout, done.stderr, status.stdout, status.stderr):
        assert TOKEN not in text


def test_the_token_never_shows_even_when_upstream_echoes_it(
    cli, sqlite_store, receiver, sync_env
) -> None:  # type: ignore[no-untyped-def]
    events = Site(sqlite_store).stages(2)
    echo = {
        "rejected": [{"eventID": f"urn:uuid:{events[0].id}", "reason": f"not for Bearer {TOKEN}"}]
    }
    receiver.plan(
        Reply(400, echo),
        Reply(503, {"reason": f"auth {TOKEN} expired"}),
        Reply(503, {"message": TOKEN}),
    )
    done = cli("sync", "--once", db=sqlite_store.url, env=sync_env)
    assert receiver.requests[0].headers["authorization"] == f"Bearer {TOKEN}"  # it was sent
    status = cli("sync", "--status", "--json", db=sqlite_store.url)
    assert "not for Bearer ********" in status.stdout
    with sqlite_store.read() as s:
        stored = (
            s.connection().exec_driver_sql("select group_concat(sync_error) from events").scalar()
        )
        stored = str(stored) + str(
            s.connection().exec_driver_sql("select last_error from sync_status").scalar()
        )
    for text in (done.stdout, done.stderr, status.stdout, stored):
        assert TOKEN not in text


def test_retry_rejected_from_the_command_line(cli, sqlite_store, receiver, sync_env) -> None:  # type: ignore[no-untyped-def]
    events = Site(sqlite_store).stages(3)
    receiver.reject[f"urn:uuid:{events[1].id}"] = "lot unknown"
    assert cli("sync", "--once", db=sqlite_store.url, env=sync_env).returncode == 0
    status = cli("sync", "--status", db=sqlite_store.url).stdout
    assert "rejected:      1" in status and f"{events[1].id}  U000001  stage  lot unknown" in status
    receiver.reject.clear()
    with sqlite_store.write() as s:
        s.add(OperatorRow(badge="OP", name="Ana", role="operator"))
        s.add(OperatorRow(badge="LEAD", name="Lee", role="lead"))
    # Parked for a reason: only a lead sends them again. No badge is a usage error (1).
    for who, code in (((), 1), (("--operator", "OP"), 3)):
        refused = cli("sync", "--retry-rejected", events[1].id, *who, db=sqlite_store.url)
        assert refused.returncode == code and "lead" in refused.stderr
    assert read_status(sqlite_store).rejected == 1
    retried = cli(
        "sync", "--retry-rejected", events[1].id, "--operator", "LEAD", db=sqlite_store.url
    )
    assert "1 rejected events back in the queue" in retried.stdout
    worker = SyncWorker(sqlite_store, url=receiver.url, token=SecretStr(TOKEN))
    assert worker.drain_once().sent == 1
    assert read_status(sqlite_store).rejected == 0


def test_export_writes_the_same_epcis_document_to_a_file(cli, sqlite_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    site = Site(sqlite_store)
    site.unit("R1")
    site.event(EventType.RECEIVE, "R1", payload={"item": "I", "quantity": 1})
    events = [e for e in site.stages(25) if e.type is EventType.STAGE]
    out = tmp_path / "export.jsonld"
    done = cli("export", "--out", str(out), db=sqlite_store.url)
    assert done.returncode == 0 and "25 events written" in done.stdout
    document = json.loads(out.read_text())
    assert epcis_errors(document) == []
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == [
        f"urn:uuid:{e.id}" for e in events
    ]
    since = cli("export", "--since", str(events[19].seq), "--format", "json", db=sqlite_store.url)
    assert [e["id"] for e in json.loads(since.stdout)] == [e.id for e in events[20:]]


def test_export_to_a_place_it_cannot_write_is_bad_input_and_leaves_nothing(
    cli, sqlite_store, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    Site(sqlite_store).stages(2)
    done = cli("export", "--out", str(tmp_path / "missing" / "x.jsonld"), db=sqlite_store.url)
    assert done.returncode == 2 and "cannot write the export" in done.stderr
    assert not (tmp_path / "missing").exists()
