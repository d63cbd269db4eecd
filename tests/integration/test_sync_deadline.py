"""Never a hang, never read whole: the installed `stageterm sync --once` against an upstream
that drips its answer or sends a huge one, and the token kept out of everything stored or
printed, whatever upstream echoes back."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from receiver import Receiver, Reply
from sync_site import Site

from stageterm.store.engine import Store
from stageterm.sync import SyncWorker, read_status
from stageterm.sync.options import SyncOptions
from stageterm.sync.redact import secret_forms

TOKEN = "tok-DEADLINE-5ecret-0xC0FFEE"
ENV = {
    "STAGETERM_SYNC_RETRY_ATTEMPTS": "1",
    "STAGETERM_SYNC_CONNECT_TIMEOUT": "1",
    "STAGETERM_SYNC_READ_TIMEOUT": "5",  # longer than a drip's pause: only the deadline cuts
    "STAGETERM_SYNC_DEADLINE": "3",
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(token=TOKEN).start()
    yield server
    server.stop()


def sync_once(run_cli, store: Store, receiver: Receiver) -> tuple[int, str, str, int, float]:  # type: ignore[no-untyped-def]
    """Run `stageterm sync --once`: exit code, stdout, stderr, peak RSS (KiB) and seconds."""
    out, err = run_cli.home / "out.txt", run_cli.home / "err.txt"
    env = {**ENV, "STAGETERM_UPSTREAM_URL": receiver.url, "STAGETERM_UPSTREAM_TOKEN": TOKEN}
    began = time.monotonic()
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [str(Path(os.sys.executable).parent / "stageterm"), "sync", "--once"],  # type: ignore[attr-defined]
            cwd=run_cli.home,
            env=run_cli.env(store.url, env),
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
        # The process's own peak: VmHWM of its memory, read while it runs (a high-water
        # mark, so the last reading is its peak). Not wait4's ru_maxrss: on Linux a child
        # keeps the high-water mark of the process it was forked from (this test runner,
        # ~200 MB late in a full run) across its exec.
        peak = 0
        while process.poll() is None:
            peak = max(peak, _vm_hwm_kib(process.pid))
            time.sleep(0.005)
    return (process.returncode, out.read_text(), err.read_text(), peak, time.monotonic() - began)


def _vm_hwm_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone meanwhile
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0
    )


def test_an_upstream_dripping_its_answer_is_cut_at_the_deadline_and_the_events_kept(
    run_cli, sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(5)
    # One byte every 2 s: no single read ever waits 5 s, so only an overall deadline ends it.
    receiver.plan(Reply(200, {"captured": 5, "pad": "x" * 40}, drip=2.0))
    code, _out, err, _rss, took = sync_once(run_cli, sqlite_store, receiver)
    assert code == 5, err
    assert "timed out (no complete answer within 3 s)" in err
    assert "Traceback" not in err
    assert took < 45  # a drip of 60+ bytes at 2 s a byte would take over 2 minutes
    assert read_status(sqlite_store).pending == 5


def test_a_huge_answer_is_read_only_to_1_mib(
    run_cli, sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(5)
    receiver.plan(Reply(200, huge=400 * 1024 * 1024))
    code, _out, err, rss_kib, took = sync_once(run_cli, sqlite_store, receiver)
    assert code == 0, err
    assert read_status(sqlite_store).pending == 0
    assert 10 * 1024 < rss_kib < 150 * 1024, f"peak RSS {rss_kib} KiB"  # SPEC §10: 150 MB
    assert took < 20


def test_a_huge_refusal_is_judged_from_its_first_mebibyte(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(2)
    receiver.plan(Reply(422, huge=50 * 1024 * 1024))
    worker = SyncWorker(
        sqlite_store,
        url=receiver.url,
        token=SecretStr(TOKEN),
        options=SyncOptions(retry_attempts=1, deadline=5, read_timeout=5),
    )
    report = worker.drain_once()
    assert report.rejected == 2
    reason = read_status(sqlite_store, list_rejected=1).rejected_events[0].reason
    assert reason.startswith(f"upstream {receiver.url} answered 422")


ECHOES = [
    TOKEN,  # raw
    repr(f"Bearer {TOKEN}\n".encode()),  # as httpx/h11 quote a header value
    '{"auth": "Bearer ' + TOKEN.replace("-", "\\u002d") + '"}',  # JSON-escaped
    f"'{TOKEN}'",  # quoted
    TOKEN.replace("-", "%2D"),  # percent-encoded
]
# Last, the raw token placed so that the 300-character cut of a reason leaves 10 to 14 of
# its characters (the refusal's reason starts "token ", the rejection's "bad token ").
_BEFORE = len("token " + " | ".join(ECHOES) + " | ")
ECHOES.append("x" * (299 - 14 - _BEFORE) + TOKEN)


def test_no_form_of_the_token_is_stored_or_printed_whatever_upstream_echoes(
    run_cli, sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(2)
    echo = " | ".join(ECHOES)
    # Once as a refusal (printed and kept as the last error), once as a rejection (stored
    # with the events).
    receiver.plan(Reply(403, {"reason": f"token {echo} not allowed"}))
    code, out, err, _rss, _took = sync_once(run_cli, sqlite_store, receiver)
    assert code == 5 and "answered 403" in err
    receiver.plan(Reply(400, {"reason": f"bad token {echo}"}))
    code, out2, err2, _rss, _took = sync_once(run_cli, sqlite_store, receiver)
    assert code == 0 and read_status(sqlite_store).rejected == 2
    status = run_cli("sync", "--status", "--json", db=sqlite_store.url)
    path = Path(sqlite_store.url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    printed = out + err + out2 + err2 + status.stdout + status.stderr
    assert "********" in printed + stored.decode("latin-1")
    for form in [*secret_forms(TOKEN), TOKEN[:6]]:
        assert form not in printed, form
        assert form.encode() not in stored, form
