"""The REST binding's small print: Retry-After in both forms, capture job documents, where
a job may be looked at."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import pytest

from stageterm.sync.capture import job_state, retry_after, same_origin

NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("-3", 0.0),
        (email.utils.format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Fri, 04 Dec 2026 12:00:30 GMT", 30.0),
        ("Fri, 04 Dec 2026 11:00:00 GMT", 0.0),  # in the past: at once
        ("", None),
        ("soon", None),
        ("Fri, 99 Dec 2026 12:00:30 GMT", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(
    value: str, seconds: float | None
) -> None:
    assert retry_after(value, NOW) == seconds


def test_capture_job_documents_as_the_openapi_describes_them() -> None:
    assert job_state({"running": True, "success": True}).running  # type: ignore[union-attr]
    done = job_state({"captureID": "j", "running": False, "success": True, "errors": []})
    assert done is not None and not done.running and done.success and not done.failed
    failed = job_state(
        {
            "running": False,
            "success": False,
            "errors": [
                {"type": "epcisException:ValidationException", "title": "Bad GTIN", "detail": "x"},
                {"type": "epcisException:CaptureLimitExceededException"},
            ],
        }
    )
    assert failed is not None and failed.failed
    assert failed.errors == "Bad GTIN: x; epcisException:CaptureLimitExceededException"
    in_file = job_state({"running": False, "success": False, "errorFile": "https://u/e.json"})
    assert in_file is not None and in_file.errors == "errors in https://u/e.json"
    for not_a_job in (None, [], {"captured": 3}, {"running": "no"}):
        assert job_state(not_a_job) is None


def test_a_job_is_looked_at_only_where_upstream_itself_is() -> None:
    here = "https://erp.example.com/epcis/capture"
    assert same_origin("https://ERP.example.com:443/epcis/capture/1", here)
    assert not same_origin("http://erp.example.com/epcis/capture/1", here)
    assert not same_origin("https://erp.example.com:8443/capture/1", here)
    assert not same_origin("https://evil.example.com/capture/1", here)
    assert not same_origin("https://erp.example.com:99999/capture/1", here)
