"""One look at an HTTP service for `stageterm doctor`: does it answer, does it take our
token, and what time does it say it is.

A GET with the token, no redirects followed (a redirect could carry the token to another
host), the environment's proxies and .netrc ignored, and an overall deadline for the
whole exchange (`deadline.py`): a slow service is an answer of its own ("no answer within
5 s"), never a hang. Only the status line and headers are read; the body is never fetched,
so a feed's first page or a capture endpoint's job list costs nothing.

What comes back never holds the token: errors are named by their kind, and any text
from the far side passes through `Redactor`.
"""

from __future__ import annotations

import email.utils
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from stageterm import __version__
from stageterm.config.checks import header_token_problem
from stageterm.sync.deadline import DeadlineBackend, deadline_client
from stageterm.sync.redact import Redactor
from stageterm.sync.uplink import clean, safe_url


@dataclass(frozen=True)
class Look:
    """What one GET found."""

    url: str
    """The address as it may be shown (no user:password@)."""
    status: int | None = None
    """The HTTP status, or None when nothing answered."""
    problem: str | None = None
    """Why nothing answered (refused, timed out, TLS, a token that cannot be a header)."""
    date: datetime | None = None
    """The far side's clock (its `Date` header), where it sent one."""
    offset_s: float | None = None
    """How far our clock is ahead of the far side's (negative: behind), from `date`."""
    location: str | None = None
    """Where a redirect points (shown without user:password@)."""


def look(url: str, token: SecretStr, *, timeout: float = 5.0, ca_bundle: str = "") -> Look:
    """GET `url` with `Authorization: Bearer token` (where set) within `timeout` seconds."""
    shown = safe_url(url)
    secret = token.get_secret_value()
    if problem := header_token_problem(secret, "token"):
        return Look(shown, problem=problem)
    try:
        tls = ssl.create_default_context(cafile=ca_bundle or None)
    except (OSError, ssl.SSLError) as exc:
        return Look(shown, problem=f"cannot read the CA bundle {ca_bundle!r}: {clean(str(exc))}")
    headers = {"User-Agent": f"stageterm/{__version__} doctor", "Accept-Encoding": "identity"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    backend = DeadlineBackend()
    client = deadline_client(backend, tls, headers, httpx.Timeout(timeout))
    redact = Redactor(secret)
    started = time.time()
    backend.deadline = time.monotonic() + timeout
    try:
        with client, client.stream("GET", url) as response:
            ended = time.time()
            status = response.status_code
            location = response.headers.get("location")
            date_header = response.headers.get("date")
    except httpx.TimeoutException:
        return Look(shown, problem=f"no answer within {timeout:g} s")
    except httpx.ConnectError as exc:
        return Look(shown, problem=redact(_reason(exc, "cannot connect")))
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        # Anything else on the way (TLS, a dropped connection, a malformed answer): one line.
        return Look(shown, problem=redact(_reason(exc, type(exc).__name__)))
    date, offset = _clock(date_header, (started + ended) / 2)
    return Look(
        shown,
        status=status,
        date=date,
        offset_s=offset,
        location=redact(safe_url(location)) if location else None,
    )


def _clock(header: str | None, our_time: float) -> tuple[datetime | None, float | None]:
    """The far side's time from its Date header, and our offset from it: our clock is
    read half-way through the exchange, so the network's delay splits evenly."""
    if not header:
        return None, None
    try:
        theirs = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):  # a Date that is not an HTTP date says nothing
        return None, None
    if theirs.tzinfo is None:
        theirs = theirs.replace(tzinfo=UTC)
    return theirs, our_time - theirs.timestamp()


def _reason(exc: Exception, fallback: str) -> str:
    """A short, one-line reason: the OS's words where there are some (connection refused,
    name not known), else the exception's text, else `fallback`."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return clean(cause.strerror.lower(), 120)
        if isinstance(cause, ssl.SSLError):
            return clean(f"TLS: {cause.reason or cause}", 120)
        cause = cause.__cause__ or cause.__context__
    return clean(str(exc), 120) or fallback
