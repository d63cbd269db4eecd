"""One HTTP POST to upstream and what its answer means for the batch.

httpx with TLS verification on (a CA bundle can be named), connect and read timeouts and
no redirects (following one could carry the token to another host). Retrying is not done
here: the worker wraps `post` in tenacity, because httpx's own retries cover only failed
connections, not 503s or read timeouts.

The token goes into one header and nowhere else: every text this module produces
(errors, upstream's reasons) passes through `redact`, and no exception it raises carries
a request or its headers.

Answers, by status:

- 2xx: delivered. 409: upstream already has these eventIDs, so delivered too.
- 408, 425, 429, 5xx, timeouts, refused or dropped connections: transient, retried.
- 413: the batch is too large; the worker halves it.
- 3xx, 401, 403, 404, 405, 407, 415, TLS failures: upstream refuses *us* (address,
  credentials, trust): nothing is parked, the events wait, the error is shown.
- any other 4xx: rejected. The body `{"rejected": [{"eventID": ..., "reason": ...}]}`
  names the events at fault; if it names none, the whole batch is.
"""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from stageterm import __version__
from stageterm.config.checks import header_token_problem
from stageterm.sync.epcis import event_id_from

MAX_REASON = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_TRANSIENT_STATUS = frozenset({408, 425, 429})
_REFUSED_STATUS = frozenset({401, 403, 404, 405, 407, 415})


class UplinkConfigError(ValueError):
    """The upstream settings cannot work (a one-line reason, never the token)."""


class Verdict(Enum):
    DELIVERED = "delivered"
    TRANSIENT = "transient"
    TOO_LARGE = "too-large"
    REFUSED = "refused"
    REJECTED = "rejected"


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
        headers = {"User-Agent": f"stageterm/{__version__}", "Accept": "application/json"}
        if terminal:
            headers["X-Stageterm-Terminal"] = _header_value(clean(terminal, 128))
        if site:
            headers["X-Stageterm-Site"] = _header_value(clean(site, 64))
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        self._client = httpx.Client(
            headers=headers,
            verify=_tls_context(ca_bundle),
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout, pool=connect_timeout),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"Uplink({self.shown_url!r})"

    def redact(self, text: str) -> str:
        """`text` without the token in it, should upstream (or anything) echo it back."""
        secret = self._token.get_secret_value()
        if secret and secret in text:
            text = text.replace(secret, "********")
        return text

    def post(self, body: bytes, media_type: str) -> Answer:
        try:
            response = self._client.post(
                self.url, content=body, headers={"Content-Type": media_type}
            )
        except httpx.TimeoutException as exc:
            return Answer(Verdict.TRANSIENT, f"upstream {self.shown_url} timed out ({_kind(exc)})")
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
        return self.judge(response)

    def judge(self, response: httpx.Response) -> Answer:
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
        if status < 400 or status in _REFUSED_STATUS:
            hint = " (redirects are not followed: set the final address)" if status < 400 else ""
            return Answer(Verdict.REFUSED, _join(where, said) + hint, status)
        rejected = {}
        for item in _list(_json(response), "rejected"):
            if isinstance(item, dict):
                ident = item.get("eventID") or item.get("id")
                if ident:
                    reason = item.get("reason") or said or f"HTTP {status}"
                    rejected[event_id_from(str(ident))] = self.redact(clean(str(reason)))
        return Answer(Verdict.REJECTED, _join(where, said), status, rejected=rejected)

    def _reason(self, response: httpx.Response) -> str:
        """Upstream's own words: a JSON reason/message/detail/title, else the start of the text."""
        data = _json(response)
        if isinstance(data, dict):
            for key in ("reason", "message", "detail", "title", "error"):
                if isinstance(data.get(key), str) and data[key].strip():
                    return self.redact(clean(data[key]))
            if data:
                return ""
        try:
            text = response.text
        except (UnicodeDecodeError, LookupError):
            return ""
        return self.redact(clean(text[:2000])) if data is None else ""

    def _why(self, exc: Exception) -> str:
        return self.redact(clean(str(exc) or _kind(exc), 200))

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
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare from APIs; our own backoff covers it


# Printable ASCII goes as it is; "%" and anything beyond ASCII are percent-encoded (UTF-8),
# since header values are ASCII on the wire: "Kasse-ü" is sent as "Kasse-%C3%BC".
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def _header_value(text: str) -> str:
    return quote(text, safe=_HEADER_SAFE)
