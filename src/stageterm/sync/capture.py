"""What the EPCIS 2.0 REST binding says: its headers, capture jobs, `Retry-After`, 415.

A `202 Accepted` with a `Location` means upstream took the document as a *capture job*
and will say later whether it captured it. The job (GET at that address) is, per the
binding's openapi (`CaptureJob`): `running` (still capturing), `success` (no error so
far), and `errors` (RFC 7807 problems) or `errorFile` when it failed. We send
`GS1-Capture-Error-Behaviour: rollback`, so a failed job captured none of the events.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from stageterm.sync.epcis import EPCIS_MEDIA_TYPE, JSON_MEDIA_TYPE

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
JOB_POLL_FIRST = 0.2  # seconds before the first look at a job; doubles up to JOB_POLL_MAX
JOB_POLL_MAX = 5.0


def gs1_headers(extensions: dict[str, str] | None = None) -> dict[str, str]:
    """The REST binding's headers for a request about EPCIS documents."""
    headers = {
        "GS1-EPCIS-Version": EPCIS_VERSION,
        "GS1-CBV-Version": CBV_VERSION,
        "GS1-Capture-Error-Behaviour": "rollback",
    }
    if extensions:
        # prefix=namespace pairs, comma-separated (the openapi's GS1-Extensions example).
        headers["GS1-Extensions"] = ", ".join(f"{p}={ns}" for p, ns in extensions.items())
    return headers


@dataclass(frozen=True)
class JobState:
    """A capture job as upstream reported it."""

    running: bool
    success: bool
    errors: str = ""  # the job's errors in one line, when it failed

    @property
    def failed(self) -> bool:
        return not self.running and not self.success


def job_state(data: Any) -> JobState | None:
    """The job from its JSON document, or None when it is not a capture job document."""
    if not isinstance(data, dict) or not isinstance(data.get("running"), bool):
        return None
    running = data["running"]
    success = data.get("success")
    if not isinstance(success, bool):
        success = True  # not said: no error so far
    return JobState(running, success, "" if success else _errors(data))


def _errors(data: dict[str, Any]) -> str:
    said = []
    for problem in data.get("errors") or []:
        if isinstance(problem, dict):
            words = [str(problem[k]) for k in ("title", "detail") if problem.get(k)]
            said.append(": ".join(words) or str(problem.get("type") or "error"))
        elif isinstance(problem, str):
            said.append(problem)
    if isinstance(data.get("errorFile"), str) and data["errorFile"]:
        said.append(f"errors in {data['errorFile']}")
    return "; ".join(said) or "the capture job failed without saying why"


def retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds upstream asks us to wait: `Retry-After` as delta-seconds or an HTTP-date."""
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass  # not seconds: an HTTP-date, below
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None  # neither form: our own backoff decides
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # RFC 9110 dates are GMT
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def same_origin(url: str, other: str) -> bool:
    """True when both URLs are at the same scheme, host and port (where our token may go)."""
    return _origin(url) == _origin(other)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ("", "", None)  # a port out of range (a hostile Location): nowhere we go
    return parts.scheme, (parts.hostname or "").lower(), port


def media_hint(media_type: str, epcis: bool) -> str:
    """What to do when upstream refuses the content type we sent (415)."""
    if not epcis:
        fix = "send EPCIS documents instead (sync without --format json)"
    elif media_type == EPCIS_MEDIA_TYPE:
        fix = f"set STAGETERM_UPSTREAM_CONTENT_TYPE={JSON_MEDIA_TYPE}"
    else:
        fix = f"set STAGETERM_UPSTREAM_CONTENT_TYPE={EPCIS_MEDIA_TYPE}"
    return (
        f"it does not take Content-Type {media_type}; {fix}, "
        "then a lead retries the rejected events"
    )
