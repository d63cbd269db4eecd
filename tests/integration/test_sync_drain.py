"""The drain against a real HTTP server on 127.0.0.1: delivery, outages, retries, rejections."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from receiver import Receiver, Reply
from sync_site import Site, epcis_errors

from epcis_checks import gs1_errors, jsonld_dropped
from stageterm.domain.model import EventType, Quality
from stageterm.store.engine import Store
from stageterm.sync import SyncWorker, read_status, retry_rejected
from stageterm.sync.epcis import Format
from stageterm.sync.options import SyncOptions

FAST = SyncOptions(
    batch=500,
    connect_timeout=0.5,
    read_timeout=0.5,
    retry_attempts=3,
    retry_initial=0.01,
    retry_max=0.05,
    outage_max=0.1,
    poll=0.05,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.release()
    server.stop()


def worker_for(store: Store, receiver: Receiver, **options: object) -> SyncWorker:
    opts = SyncOptions(**{**FAST.__dict__, **options})  # type: ignore[arg-type]
    return SyncWorker(store, url=receiver.url, site="Plant 1", terminal="T-1", options=opts)


def uris(events: list) -> list[str]:  # type: ignore[type-arg]
    return [f"urn:uuid:{e.id}" for e in events]


def test_pending_events_arrive_in_order_as_valid_epcis_and_are_marked_synced(
    store: Store, receiver: Receiver
) -> None:
    site = Site(store)  # on SQLite and on PostgreSQL
    events = site.stages(1100, units=40)
    worker = worker_for(store, receiver)
    report = worker.drain_once()
    assert (report.sent, report.batches, report.failed) == (1100, 3, False)
    assert receiver.received_ids() == uris(events)
    for request in receiver.requests:
        assert epcis_errors(request.json) == []
        assert gs1_errors(request.json) == []
        assert request.headers["content-type"] == "application/ld+json"
        assert request.headers["x-stageterm-terminal"] == "T-1"
    # JSON-LD expansion (slow in pyld): the last, shortest document.
    assert jsonld_dropped(receiver.requests[-1].json) == []
    assert set(site.states().values()) == {"synced"}
    state = worker.status()
    assert (state.pending, state.rejected, state.failing) == (0, 0, False)
    assert state.last_success_at is not None
    worker.close()


def test_5xx_answers_are_retried_with_backoff_within_one_drain(
    sqlite_store: Store, receiver: Receiver
) -> None:
    events = Site(sqlite_store).stages(5)
    receiver.plan(500, Reply(503, {"reason": "maintenance"}, headers={"Retry-After": "0"}))
    report = worker_for(sqlite_store, receiver).drain_once()
    assert (report.sent, report.requests, report.failed) == (5, 3, False)
    assert [r.status for r in receiver.requests] == [500, 503, 200]
    assert receiver.accepted == uris(events)


def test_upstream_failing_for_longer_than_the_retries_keeps_everything_pending(
    sqlite_store: Store, receiver: Receiver
) -> None:
    site = Site(sqlite_store)
    events = site.stages(5)
    receiver.plan(*[Reply(502, {"reason": "bad gateway"})] * 3)
    worker = worker_for(sqlite_store, receiver)
    report = worker.drain_once()
    assert report.unreachable and report.sent == 0 and "502" in (report.error or "")
    state = worker.status()
    assert (state.pending, state.failing) == (5, True)
    assert "bad gateway" in (state.last_error or "")
    assert set(site.states().values()) == {"pending"}
    assert worker.drain_once().sent == 5  # and the next drain sends them at once
    assert receiver.accepted == uris(events)


def test_a_read_timeout_is_transient_and_the_resend_carries_the_same_event_ids(
    sqlite_store: Store, receiver: Receiver
) -> None:
    events = Site(sqlite_store).stages(4)
    receiver.plan(Reply(200, {}, delay=0.6), Reply(200, {}, delay=0.6))
    worker = worker_for(sqlite_store, receiver, read_timeout=0.2, retry_attempts=2)
    report = worker.drain_once()
    assert report.unreachable and "timed out" in (report.error or "")
    assert worker.status().pending == 4
    assert worker.drain_once().sent == 4
    assert set(receiver.received_ids()) == set(uris(events))  # resends, never new ids


def test_upstream_down_then_back_while_the_worker_runs(
    sqlite_store: Store, receiver: Receiver
) -> None:
    site = Site(sqlite_store)
    worker = worker_for(sqlite_store, receiver, batch=7)
    stop = threading.Event()
    reports = []
    thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"on_report": reports.append})
    before = site.stages(10, prefix="A")
    thread.start()
    _wait(lambda: len(receiver.accepted) == 10)
    receiver.stop()
    during = site.bulk_events([(EventType.MOVE, e.unit) for e in before])
    _wait(lambda: any(r.unreachable for r in reports))
    assert (
        worker.status().pending == 10 and worker.status().failing
    )  # the backlog and the outage show
    receiver.start()
    _wait(lambda: worker.status().pending == 0, timeout=10)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    everything = uris(before) + uris(during[10:])
    seen = receiver.received_ids()
    assert set(seen) == set(everything)
    assert list(dict.fromkeys(seen)) == everything  # first arrivals in seq order
    assert not worker.status().failing


def test_a_400_naming_one_event_parks_it_and_holds_back_only_its_unit(
    sqlite_store: Store, receiver: Receiver
) -> None:
    site = Site(sqlite_store)
    first = site.stages(6)
    later = site.event(EventType.LOAD, first[2].unit, from_location="LANE-1", to_location="DOCK-1")
    bad = f"urn:uuid:{first[2].id}"
    receiver.reject[bad] = "GTIN 4012345000009 unknown"
    worker = worker_for(sqlite_store, receiver)
    report = worker.drain_once()
    assert (report.sent, report.rejected, report.failed) == (5, 1, False)
    states = site.states()
    assert (states[first[2].id], states[later.id]) == ("rejected", "pending")
    state = worker.status(list_rejected=5)
    assert (state.pending, state.held, state.rejected) == (1, 1, 1)
    assert state.rejected_events[0].reason == "GTIN 4012345000009 unknown"
    del receiver.reject[bad]
    assert retry_rejected(sqlite_store) == 1
    assert worker.drain_once().sent == 2
    assert receiver.accepted[-2:] == [bad, f"urn:uuid:{later.id}"]  # the unit's order kept


def test_a_400_naming_no_event_parks_the_whole_batch_with_upstreams_reason(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(3)
    receiver.plan(Reply(422, {"message": "document invalid"}))
    report = worker_for(sqlite_store, receiver).drain_once()
    assert report.rejected == 3 and not report.failed
    reasons = {e.reason for e in read_status(sqlite_store, list_rejected=5).rejected_events}
    assert reasons == {f"upstream {receiver.url} answered 422: document invalid"}


def test_409_for_known_event_ids_counts_as_delivered(
    sqlite_store: Store, receiver: Receiver
) -> None:
    events = Site(sqlite_store).stages(4)
    receiver.accepted.extend(uris(events))  # upstream got them before we could mark them
    report = worker_for(sqlite_store, receiver).drain_once()
    assert report.sent == 4 and receiver.requests[0].status == 409
    assert read_status(sqlite_store).pending == 0


def test_413_halves_the_batch(sqlite_store: Store, receiver: Receiver) -> None:
    events = Site(sqlite_store).stages(8)
    receiver.plan(413)
    report = worker_for(sqlite_store, receiver, batch=8).drain_once()
    assert report.sent == 8 and [len(r.event_ids) for r in receiver.requests] == [8, 4, 4]
    assert receiver.accepted == uris(events)


def test_a_401_parks_nothing_and_says_upstream_refuses_us(sqlite_store: Store) -> None:
    site = Site(sqlite_store)
    site.stages(3)
    guarded = Receiver(token="right").start()
    try:
        worker = SyncWorker(sqlite_store, url=guarded.url, token=SecretStr("wrong"), options=FAST)
        report = worker.drain_once()
        assert report.refused and "401" in (report.error or "")
        assert set(site.states().values()) == {"pending"}
    finally:
        guarded.stop()


def test_the_json_format_posts_our_plain_events(sqlite_store: Store, receiver: Receiver) -> None:
    events = Site(sqlite_store).stages(3)
    worker_for(sqlite_store, receiver, format=Format.JSON).drain_once()
    body = receiver.requests[0].json
    assert [e["id"] for e in body] == [e.id for e in events]
    assert (
        body[0]["type"] == "stage"
        and receiver.requests[0].headers["content-type"] == "application/json"
    )
    # Its keys as before, plus the facts the event was judged on and its overrides.
    assert set(body[0]) == {
        "id", "seq", "site", "type", "unit", "occurred_at", "operator", "terminal",
        "from_location", "to_location", "from_state", "to_state", "from_quality",
        "to_quality", "quantity", "approved_by", "overrides", "reason", "undoes", "payload",
        "order", "customer", "route", "carrier", "work_order",
    }  # fmt: skip


def test_events_recorded_during_a_drain_wait_for_the_next_one(
    sqlite_store: Store, receiver: Receiver
) -> None:
    site = Site(sqlite_store)
    site.stages(3)
    receiver.plan(Reply(200, {}, delay=0.2))
    worker = worker_for(sqlite_store, receiver, batch=2)
    thread = threading.Thread(target=worker.drain_once)
    thread.start()
    time.sleep(0.05)
    site.event(EventType.HOLD, "U000000", to_quality=Quality.HOLD, to_state=None)
    thread.join(5)
    assert worker.status().pending == 1


def _wait(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def test_the_token_is_in_the_header_and_nowhere_else(
    sqlite_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    token = "tok-Sup3r-SECRET"
    events = Site(sqlite_store).stages(3)
    guarded = Receiver(token=token).start()
    echo = {
        "rejected": [{"eventID": f"urn:uuid:{events[0].id}", "reason": f"Bearer {token} refused"}]
    }
    guarded.plan(Reply(503, {"reason": f"token {token} expired"}), Reply(400, echo))
    caplog.set_level(logging.DEBUG)
    try:
        worker = SyncWorker(sqlite_store, url=guarded.url, token=SecretStr(token), options=FAST)
        worker.drain_once()
        texts = [
            caplog.text,
            repr(worker),
            repr(worker._make_uplink()),
            repr(worker.status(list_rejected=5)),
        ]
        assert guarded.requests[0].headers["authorization"] == f"Bearer {token}"
        assert all(token not in text for text in texts)
        assert "Bearer ******** refused" in texts[-1]
    finally:
        guarded.stop()


def test_tls_is_verified_and_a_ca_bundle_makes_a_private_ca_trusted(
    sqlite_store: Store, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    Site(sqlite_store).stages(2)
    secure = Receiver(tls=(str(cert), str(key))).start()
    try:
        untrusted = SyncWorker(sqlite_store, url=secure.url, options=FAST).drain_once()
        assert untrusted.refused and "STAGETERM_UPSTREAM_CA_BUNDLE" in (untrusted.error or "")
        trusted = SyncWorker(sqlite_store, url=secure.url, ca_bundle=str(cert), options=FAST)
        assert trusted.drain_once().sent == 2
    finally:
        secure.stop()
