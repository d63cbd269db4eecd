"""The EPCIS 2.0 REST binding against a real server on 127.0.0.1: headers, content type,
capture jobs (202 + Location), 415 and Retry-After as an HTTP-date."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from receiver import Receiver, Reply
from sync_site import Site, epcis_errors

from epcis_checks import gs1_errors, jsonld_dropped
from stageterm.store.engine import Store
from stageterm.sync import SyncWorker, read_status
from stageterm.sync.epcis import Format
from stageterm.sync.options import SyncOptions

TOKEN = "tok-binding-0xBEEF"
FAST = SyncOptions(
    connect_timeout=1,
    read_timeout=2,
    deadline=3,
    job_wait=3,
    retry_attempts=2,
    retry_initial=0.01,
    retry_max=3,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(token=TOKEN).start()
    yield server
    server.stop()


def worker(store: Store, receiver: Receiver, **kw: object) -> SyncWorker:
    options = SyncOptions(**{**FAST.__dict__, **kw.pop("options", {})})  # type: ignore[arg-type]
    return SyncWorker(
        store,
        url=receiver.url,
        token=SecretStr(TOKEN),
        site="Plant 1",
        options=options,
        **kw,  # type: ignore[arg-type]
    )


def test_epcis_requests_carry_the_binding_headers_and_name_our_extension_namespace(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(3)
    assert worker(sqlite_store, receiver).drain_once().sent == 3
    (request,) = receiver.requests
    assert request.headers["content-type"] == "application/ld+json"
    assert request.headers["gs1-epcis-version"] == "2.0.0"
    assert request.headers["gs1-cbv-version"] == "2.0.0"
    assert request.headers["gs1-extensions"] == "stageterm=https://ns.stageterm.local/epcis/"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert epcis_errors(request.json) == []
    assert jsonld_dropped(request.json) == []
    assert gs1_errors(request.json) == []


def test_the_content_type_can_be_plain_json_for_an_upstream_that_takes_only_that(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(2)
    receiver.media_types = {"application/json"}
    sent = worker(sqlite_store, receiver, content_type="application/json").drain_once()
    assert sent.sent == 2
    assert receiver.requests[0].headers["content-type"] == "application/json"
    assert receiver.requests[0].headers["gs1-epcis-version"] == "2.0.0"


def test_our_plain_json_body_is_not_labelled_as_epcis(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(2)
    w = worker(sqlite_store, receiver, options={"format": Format.JSON})
    assert w.drain_once().sent == 2
    headers = receiver.requests[0].headers
    assert headers["content-type"] == "application/json"
    assert "gs1-epcis-version" not in headers and "gs1-extensions" not in headers


def test_a_415_parks_the_batch_saying_which_content_type_was_refused_and_what_to_set(
    sqlite_store: Store, receiver: Receiver
) -> None:
    events = Site(sqlite_store).stages(4)
    receiver.media_types = {"application/json"}
    report = worker(sqlite_store, receiver).drain_once()
    assert (report.sent, report.rejected, report.failed) == (0, 4, False)
    status = read_status(sqlite_store, list_rejected=10)
    assert status.rejected == 4
    reason = status.rejected_events[0].reason
    assert "415" in reason and "application/ld+json" in reason
    assert "STAGETERM_UPSTREAM_CONTENT_TYPE=application/json" in reason
    assert {r.id for r in status.rejected_events} == {e.id for e in events}


def test_a_capture_job_that_succeeds_marks_the_batch_synced_only_then(
    sqlite_store: Store, receiver: Receiver
) -> None:
    events = Site(sqlite_store).stages(5)
    receiver.capture_jobs(looks=2)
    report = worker(sqlite_store, receiver).drain_once()
    assert (report.sent, report.failed) == (5, False)
    assert [r.status for r in receiver.requests] == [202]
    # Looked at until no longer running: running, running, done; same token, same headers.
    assert [r.path for r in receiver.job_requests] == ["/capture/job1"] * 3
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in receiver.job_requests)
    assert receiver.job_requests[0].headers["gs1-epcis-version"] == "2.0.0"
    assert receiver.accepted == [f"urn:uuid:{e.id}" for e in events]
    assert read_status(sqlite_store).pending == 0


def test_a_failed_capture_job_parks_its_events_with_the_jobs_errors(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(3)
    receiver.capture_jobs(
        looks=1,
        errors=[{"type": "epcisException:ValidationException", "title": "GTIN unknown"}],
    )
    report = worker(sqlite_store, receiver).drain_once()
    assert (report.sent, report.rejected) == (0, 3)
    status = read_status(sqlite_store, list_rejected=5)
    assert status.rejected == 3
    assert "capture job" in status.rejected_events[0].reason
    assert "GTIN unknown" in status.rejected_events[0].reason
    assert receiver.accepted == []


def test_a_capture_job_still_running_when_the_wait_ends_leaves_the_events_pending(
    sqlite_store: Store, receiver: Receiver
) -> None:
    events = Site(sqlite_store).stages(3)
    receiver.capture_jobs(looks=1000)
    w = worker(sqlite_store, receiver, options={"job_wait": 1.0})
    began = time.monotonic()
    report = w.drain_once()
    assert time.monotonic() - began < 5
    assert report.failed and report.unconfirmed and report.sent == 0
    assert "still not done" in (report.error or "")
    assert read_status(sqlite_store).pending == 3
    # Later, upstream finishes its jobs: the same eventIDs go again and are synced.
    receiver.capture_jobs(looks=0)
    assert w.drain_once().sent == 3
    assert receiver.accepted == [f"urn:uuid:{e.id}" for e in events]


def test_a_capture_job_at_another_address_is_not_followed(
    sqlite_store: Store, receiver: Receiver
) -> None:
    Site(sqlite_store).stages(1)
    receiver.plan(Reply(202, None, headers={"Location": "http://127.0.0.2:9/capture/x"}))
    report = worker(sqlite_store, receiver).drain_once()
    assert report.refused and "not followed" in (report.error or "")
    assert receiver.job_requests == []
    assert read_status(sqlite_store).pending == 1


def test_retry_after_as_an_http_date_is_honoured(sqlite_store: Store, receiver: Receiver) -> None:
    Site(sqlite_store).stages(1)
    when = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)  # 2-3 s away
    receiver.plan(
        Reply(503, {"reason": "busy"}, headers={"Retry-After": email.utils.format_datetime(when)})
    )
    report = worker(sqlite_store, receiver).drain_once()
    assert report.sent == 1
    first, second = receiver.requests
    # Our own backoff would be 0.01 s; the date asked for two seconds or more.
    assert second.started - first.started >= 1.8
