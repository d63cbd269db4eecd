"""How hard and how often the sync tries: batch size, lease, timeouts, backoff.

The defaults suit a floor network; tests and sites with unusual upstreams tune them
through `STAGETERM_SYNC_*` environment variables (documented in docs/sync.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta

from stageterm.sync.epcis import EPCIS_MEDIA_TYPE, JSON_MEDIA_TYPE, Format


class OptionsError(ValueError):
    """A tuning value that is not a number, or out of range (a one-line reason)."""


@dataclass(frozen=True)
class SyncOptions:
    batch: int = 500
    """Events per request (STAGETERM_SYNC_BATCH)."""
    format: Format = Format.EPCIS
    """Request body: EPCIS 2.0 document, or our plain JSON list."""
    connect_timeout: float = 5.0
    """Seconds to wait for upstream to accept a connection (STAGETERM_SYNC_CONNECT_TIMEOUT)."""
    read_timeout: float = 30.0
    """Seconds to wait for any one read of upstream's answer (STAGETERM_SYNC_READ_TIMEOUT)."""
    deadline: float = 30.0
    """Seconds one request may take in all, however upstream drips its answer
    (STAGETERM_SYNC_DEADLINE)."""
    job_wait: float = 30.0
    """Seconds to follow a capture job (a 202 with a Location) before leaving its events
    pending for a later drain (STAGETERM_SYNC_JOB_WAIT)."""
    retry_attempts: int = 5
    """Tries per batch before a drain gives up and reports upstream unreachable (STAGETERM_SYNC_RETRY_ATTEMPTS)."""
    retry_initial: float = 0.5
    """First backoff, in seconds; it doubles, with jitter, on each failure (STAGETERM_SYNC_RETRY_INITIAL)."""
    retry_max: float = 30.0
    """Longest backoff between tries of one batch (STAGETERM_SYNC_RETRY_MAX)."""
    outage_max: float = 120.0
    """Longest wait between drains while upstream stays down (STAGETERM_SYNC_OUTAGE_MAX)."""
    poll: float = 2.0
    """Seconds between looks for new events when all is sent (STAGETERM_SYNC_POLL)."""
    lease: float = 120.0
    """Seconds a claimed batch is reserved for its worker (STAGETERM_SYNC_LEASE); at least
    two full requests (deadline and capture job wait), so a slow answer never lets another
    worker resend the batch."""

    def __post_init__(self) -> None:
        if self.batch < 1:
            raise OptionsError("sync batch must be at least 1")
        if self.retry_attempts < 1:
            raise OptionsError("sync retry attempts must be at least 1")
        for name in (
            "connect_timeout",
            "read_timeout",
            "deadline",
            "job_wait",
            "retry_max",
            "outage_max",
            "lease",
        ):
            if getattr(self, name) <= 0:
                raise OptionsError(f"sync {name.replace('_', ' ')} must be more than 0")
        if self.retry_initial < 0 or self.poll < 0:
            raise OptionsError("sync backoff and poll times cannot be negative")

    @property
    def lease_time(self) -> timedelta:
        floor = 2 * (self.deadline + self.job_wait) + 1
        return timedelta(seconds=max(self.lease, floor))


_ENV = {
    f.name: f"STAGETERM_SYNC_{f.name.upper()}" for f in fields(SyncOptions) if f.name != "format"
}


def options_from_env(
    env: Mapping[str, str] | None = None, *, batch: int | None = None, format: Format | None = None
) -> SyncOptions:
    """Defaults, then `STAGETERM_SYNC_*` from the environment, then the arguments."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for name, key in _ENV.items():
        raw = env.get(key, "").strip()
        if not raw:
            continue
        try:
            values[name] = int(raw) if name in ("batch", "retry_attempts") else float(raw)
        except ValueError:
            raise OptionsError(f"{key}={raw!r} is not a number") from None
    if batch is not None:
        values["batch"] = batch
    if format is not None:
        values["format"] = format
    return replace(SyncOptions(), **values)  # type: ignore[arg-type]


CONTENT_TYPES = (EPCIS_MEDIA_TYPE, JSON_MEDIA_TYPE)


def content_type_from(settings: object, env: Mapping[str, str] | None = None) -> str:
    """The Content-Type of EPCIS bodies: the `upstream_content_type` setting where the
    settings have it, else STAGETERM_UPSTREAM_CONTENT_TYPE, else application/ld+json."""
    env = os.environ if env is None else env
    value = getattr(settings, "upstream_content_type", None) or env.get(
        "STAGETERM_UPSTREAM_CONTENT_TYPE", ""
    )
    chosen = str(value).strip().lower() or EPCIS_MEDIA_TYPE
    if chosen not in CONTENT_TYPES:
        raise OptionsError(
            f"STAGETERM_UPSTREAM_CONTENT_TYPE={str(value)!r} is not one of {', '.join(CONTENT_TYPES)}"
        )
    return chosen
