"""One capture at upstream (a POST, and the capture job it may start) and what it means.

httpx with TLS verification on (a CA bundle can be named), no redirects (following one
could carry the token to another host), and an overall deadline per request with answers
read up to 1 MiB (`deadline.py`): a slow or endless upstream is a timeout, never a hang.
Retrying is not done here: the worker wraps `post` in tenacity, because httpx's own
retries cover only failed connections, not 503s or read timeouts.

The token goes into one header and nowhere else: every answer this module returns passes
through `Redactor` (the token in any form, whole or cut), and no exception it raises
carries a request or its headers.

Answers, by status:

- 2xx: delivered; but a 202 with a `Location` is a capture job, followed (`capture.py`)
  until it succeeds (delivered), fails (rejected, with the job's errors) or the wait
  runs out (unconfirmed: the events stay pending and go again later, same eventIDs).
- 409: upstream already has these eventIDs, so delivered too.
- 408, 425, 429, 5xx, timeouts, refused or dropped connections: transient, retried.
- 413: the batch is too large; the worker halves it.
- 415: upstream does not take our content type: rejected, saying what to set.
- 3xx, 401, 403, 404, 405, 407, TLS failures: upstream refuses *us* (address,
  credentials, trust): nothing is parked, the events wait, the error is shown.
- any other 4xx: rejected. The body `{"rejected": [{"eventID": ..., "reason": ...}]}`
  names the events at fault; if it names none, the whole batch is.
"""

from __future__ import annotations

import json
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from stageterm import __version__
from stageterm.config.checks import header_token_problem
from stageterm.sync.capture import (
    JOB_POLL_FIRST,
    JOB_POLL_MAX,
    gs1_headers,
    job_state,
    media_hint,
    same_origin,
)
from stageterm.sync.capture import retry_after as _retry_after_value
from stageterm.sync.deadline import DeadlineBackend, deadline_client, read_capped
from stageterm.sync.epcis import EPCIS_MEDIA_TYPE, NAMESPACE, PREFIX, event_id_from
from stageterm.sync.redact import Redactor

MAX_REASON = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_TRANSIENT_STATUS = frozenset({408, 425, 429})
_REFUSED_STATUS = frozenset({401, 403, 404, 405, 407})
_EXTENSION_MARK = f'"{PREFIX}:'.encode()  # a body using our namespace has keys like this


class UplinkConfigError(ValueError):
    """The upstream settings cannot work (a one-line reason, never the token)."""


class Verdict(Enum):
    DELIVERED = "delivered"
    TRANSIENT = "transient"
    TOO_LARGE = "too-large"
    REFUSED = "refused"
    REJECTED = "rejected"
    UNCONFIRMED = "unconfirmed"  # a capture job still running when our wait ran out


@dataclass(frozen=True)
class Answer:
    """What upstream said about one request."""

    verdict: Verdict
    message: str
    status: int | None = None
    rejected: dict[str, str] = field(default_factory=dict)  # event id -> reason
    duplicates: frozenset[str] = frozenset()  # event ids upstream already had (409)
    retry_after: float | None = None


def clean(text: str, limit: int = MAX_REASON) -> str:
    """One line of printable text, for logs, the database and the screen."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def safe_url(url: str) -> str:
    """The URL without user:password@ (which some people put there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class Uplink:
    """A connection to upstream for one site; reused across batches (keep-alive)."""

    def __init__(
        self,
        url: str,
        token: SecretStr | None = None,
        *,
        ca_bundle: str = "",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        deadline: float = 30.0,
        job_wait: float = 30.0,
        terminal: str = "",
        site: str = "",
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UplinkConfigError(
                f"STAGETERM_UPSTREAM_URL {safe_url(url)!r} is not an http:// or https:// address"
            )
        self.url = url.strip()
        self.shown_url = safe_url(self.url)
        self._token = token or SecretStr("")
        if problem := header_token_problem(self._token.get_secret_value(), "upstream_token"):
            raise UplinkConfigError(problem)  # else httpx's error would quote the header
        self.redact = Redactor(self._token.get_secret_value())
        self.deadline = deadline
        self.job_wait = job_wait
        headers = {
            "User-Agent": f"stageterm/{__version__}",
            "Accept": "application/json",
            # Answers are read up to 1 MiB as sent: no compression to inflate past it.
            "Accept-Encoding": "identity",
        }
        if terminal:
            headers["X-Stageterm-Terminal"] = _header_value(clean(terminal, 128))
        if site:
            headers["X-Stageterm-Site"] = _header_value(clean(site, 64))
        if self._token:
            secret = self._token.get_secret_value()
            if not all(" " <= c <= "~" for c in secret):
                raise UplinkConfigError(
                    "STAGETERM_UPSTREAM_TOKEN cannot be sent in an HTTP header: "
                    "it holds characters other than printable ASCII (a line break, a tab, a letter like é?)"
                )
            headers["Authorization"] = f"Bearer {secret}"
        self._backend = DeadlineBackend()
        self._client = deadline_client(
            self._backend,
            _tls_context(ca_bundle),
            headers,
            httpx.Timeout(
                min(read_timeout, deadline), connect=connect_timeout, pool=connect_timeout
            ),
        )

    def __repr__(self) -> str:
        return f"Uplink({self.shown_url!r})"

    def post(
        self,
        body: bytes,
        media_type: str,
        *,
        epcis: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Answer:
        """Capture `body` upstream; `sleep` waits between looks at a capture job (it may raise
        to stop). `epcis`: the body is an EPCIS document (default: judged by media type)."""
        epcis = media_type == EPCIS_MEDIA_TYPE if epcis is None else epcis
        headers = {"Content-Type": media_type}
        if epcis:
            uses_ours = _EXTENSION_MARK in body
            headers.update(gs1_headers({PREFIX: NAMESPACE} if uses_ours else None))
        answer = self._exchange("POST", self.url, body, headers)
        if isinstance(answer, httpx.Response):
            location = answer.headers.get("location", "")
            if answer.status_code == 202 and location:
                answer = self._await_job(location, epcis, sleep)
            else:
                answer = self.judge(answer, media_type, epcis)
        return self._redacted(answer)

    def _exchange(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        until: float | None = None,
    ) -> httpx.Response | Answer:
        """One request within the deadline (and by `until`, a monotonic time, when given):
        its answer (body read up to 1 MiB) or a failure."""
        self._backend.deadline = min(time.monotonic() + self.deadline, until or float("inf"))
        try:
            with self._client.stream(method, url, content=body, headers=headers) as response:
                return read_capped(response)
        except httpx.TimeoutException as exc:
            late = time.monotonic() >= self._backend.deadline
            why = "no complete answer in time" if late else _kind(exc)
            if late and until is None:
                why = f"no complete answer within {self.deadline:g} s"
            return Answer(Verdict.TRANSIENT, f"upstream {self.shown_url} timed out ({why})")
        except httpx.ConnectError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc):
                return Answer(
                    Verdict.REFUSED,
                    f"upstream {self.shown_url}: TLS certificate not trusted "
                    "(set STAGETERM_UPSTREAM_CA_BUNDLE to the CA that signed it)",
                )
            return Answer(
                Verdict.TRANSIENT, f"upstream {self.shown_url} unreachable: {self._why(exc)}"
            )
        except httpx.TransportError as exc:
            return Answer(Verdict.TRANSIENT, f"upstream {self.shown_url} failed: {self._why(exc)}")
        finally:
            self._backend.deadline = None

    def _await_job(self, location: str, epcis: bool, sleep: Callable[[float], None]) -> Answer:
        """Look at the capture job at `location` until it is done or `job_wait` runs out."""
        job_url = urljoin(self.url, location)
        if not same_origin(job_url, self.url):
            # Our token goes with every look at the job: only to upstream itself.
            return Answer(
                Verdict.REFUSED,
                f"upstream {self.shown_url} answered 202 with a capture job at another "
                f"address ({safe_url(job_url)}); it is not followed",
                202,
            )
        shown = safe_url(job_url)
        headers = gs1_headers() if epcis else {}
        end = time.monotonic() + self.job_wait
        pause = JOB_POLL_FIRST
        said = "not looked at yet"
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return Answer(
                    Verdict.UNCONFIRMED,
                    f"upstream's capture job {shown} still not done after {self.job_wait:g} s "
                    f"({said}); the events stay pending and go again",
                    202,
                )
            sleep(min(pause, left))
            pause = min(pause * 2, JOB_POLL_MAX)
            reply = self._exchange("GET", job_url, None, headers, until=end)
            if isinstance(reply, Answer):
                said = reply.message
                continue
            state = job_state(_json(reply)) if reply.status_code == 200 else None
            if state is None:
                said = f"the job answered {reply.status_code}, not a capture job"
                if reply.status_code in (401, 403, 404, 410):
                    return Answer(Verdict.UNCONFIRMED, f"upstream's capture job {shown}: {said}")
                continue
            if state.running:
                said = "running"
                asked = _retry_after(reply)
                pause = max(pause, asked) if asked else pause
                continue
            if state.success:
                return Answer(Verdict.DELIVERED, f"upstream's capture job {shown} succeeded", 202)
            return Answer(
                Verdict.REJECTED,
                f"upstream's capture job {shown} failed: {self._said(state.errors)}",
                202,
            )

    def _redacted(self, answer: Answer) -> Answer:
        return replace(
            answer,
            message=self.redact(answer.message),
            rejected={i: self.redact(r) for i, r in answer.rejected.items()},
        )

    def judge(
        self, response: httpx.Response, media_type: str = EPCIS_MEDIA_TYPE, epcis: bool = True
    ) -> Answer:
        status = response.status_code
        said = self._reason(response)
        where = f"upstream {self.shown_url} answered {status}"
        if 200 <= status < 300:
            return Answer(Verdict.DELIVERED, f"{where}", status)
        if status == 409:
            named = frozenset(event_id_from(str(i)) for i in _list(_json(response), "duplicates"))
            return Answer(
                Verdict.DELIVERED, f"{where} (already had them)", status, duplicates=named
            )
        if status >= 500 or status in _TRANSIENT_STATUS:
            return Answer(
                Verdict.TRANSIENT, _join(where, said), status, retry_after=_retry_after(response)
            )
        if status == 413:
            return Answer(Verdict.TOO_LARGE, _join(where, said), status)
        if status == 415:
            # Every batch would meet the same refusal: park them, saying what to change.
            return Answer(Verdict.REJECTED, f"{where}: {media_hint(media_type, epcis)}", status)
        if status < 400 or status in _REFUSED_STATUS:
            hint = " (redirects are not followed: set the final address)" if status < 400 else ""
            return Answer(Verdict.REFUSED, _join(where, said) + hint, status)
        rejected = {}
        for item in _list(_json(response), "rejected"):
            if isinstance(item, dict):
                ident = item.get("eventID") or item.get("id")
                if ident:
                    reason = item.get("reason") or said or f"HTTP {status}"
                    rejected[event_id_from(str(ident))] = self._said(str(reason))
        return Answer(Verdict.REJECTED, _join(where, said), status, rejected=rejected)

    def _reason(self, response: httpx.Response) -> str:
        """Upstream's own words: a JSON reason/message/detail/title, else the start of the text."""
        data = _json(response)
        if isinstance(data, dict):
            for key in ("reason", "message", "detail", "title", "error"):
                if isinstance(data.get(key), str) and data[key].strip():
                    return self._said(data[key])
            if data:
                return ""
        try:
            text = response.text
        except (UnicodeDecodeError, LookupError):
            return ""
        return self._said(text[:2000]) if data is None else ""

    def _why(self, exc: Exception) -> str:
        return self._said(str(exc) or _kind(exc), 200)

    def _said(self, text: str, limit: int = MAX_REASON) -> str:
        """Someone else's words as one clean line without the token: blotted before the
        line is cleaned and cut (whole forms), and after (what the cut left of one)."""
        return self.redact(clean(self.redact(text), limit))

    def close(self) -> None:
        self._client.close()


def _tls_context(ca_bundle: str) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=ca_bundle or None)
    except (OSError, ssl.SSLError) as exc:
        raise UplinkConfigError(
            f"cannot read STAGETERM_UPSTREAM_CA_BUNDLE {ca_bundle!r}: {clean(str(exc), 120)}"
        ) from None


def _kind(exc: Exception) -> str:
    names: dict[type[Exception], str] = {
        httpx.ConnectTimeout: "connect timeout",
        httpx.ReadTimeout: "read timeout",
        httpx.WriteTimeout: "write timeout",
        httpx.PoolTimeout: "pool timeout",
    }
    return names.get(type(exc), type(exc).__name__)


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _join(where: str, said: str) -> str:
    return f"{where}: {said}" if said else where


def _retry_after(response: httpx.Response) -> float | None:
    return _retry_after_value(response.headers.get("retry-after", ""))


# Printable ASCII goes as it is; "%" and anything beyond ASCII are percent-encoded (UTF-8),
# since header values are ASCII on the wire: "Kasse-ü" is sent as "Kasse-%C3%BC".
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _header_value(text: str) -> str:
    return quote(text, safe=_HEADER_SAFE)
