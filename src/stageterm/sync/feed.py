"""The master data feed, read over HTTP: one page of one kind at a time (SPEC §6a).

    GET {STAGETERM_MASTER_URL}/{kind}?after={cursor}   Authorization: Bearer <master token>
    -> {"items": [rows as in a JSON import], "next": cursor or null}

The same client rules as the sync's uplink: an overall deadline per request and answers
read up to 1 MiB (`deadline.py`), no redirects, no proxies, and the token blotted out of
every message (`redact.py`). Transient failures (timeouts, refused connections, 408, 429,
5xx) are retried with exponential backoff and jitter, then reported as `FeedDown`;
401/403/404 and TLS trouble as `FeedRefused`; an answer that is not a page as `BadPage`.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from pydantic import SecretStr
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from stageterm import __version__
from stageterm.config.checks import header_token_problem
from stageterm.sync.deadline import DeadlineBackend, deadline_client, read_capped
from stageterm.sync.redact import Redactor
from stageterm.sync.uplink import clean, safe_url

FEED_KINDS = ("locations", "orders", "units")
_TRANSIENT = frozenset({408, 425, 429})


class FeedConfigError(ValueError):
    """The feed settings cannot work (a one-line reason, never the token)."""


class FeedDown(Exception):
    """The feed is unreachable or failing (5xx, timeouts) after the retries."""


class FeedRefused(Exception):
    """The feed refuses us (address, credentials, TLS trust)."""


class BadPage(Exception):
    """An answer that is not a page: `kind@cursor: reason`."""


@dataclass(frozen=True)
class Page:
    kind: str
    cursor: str | None  # what we asked with
    items: list[Any]
    next: str | None

    @property
    def source(self) -> str:
        """How a problem in this page is named: `kind@cursor` (FILE of FILE:LINE)."""
        return f"{self.kind}@{self.cursor or 'start'}"


class Feed:
    def __init__(
        self,
        url: str,
        token: SecretStr | None = None,
        *,
        ca_bundle: str = "",
        deadline: float = 30.0,
        connect_timeout: float = 5.0,
        attempts: int = 4,
        retry_initial: float = 0.5,
        retry_max: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FeedConfigError(
                f"STAGETERM_MASTER_URL {safe_url(url)!r} is not an http:// or https:// address"
            )
        self.url = url.strip().rstrip("/")
        self.shown_url = safe_url(self.url)
        secret = (token or SecretStr("")).get_secret_value()
        if problem := header_token_problem(secret, "master_token"):
            raise FeedConfigError(problem)
        self.redact = Redactor(secret)
        self.deadline = deadline
        self.attempts = attempts
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.sleep = sleep
        headers = {
            "User-Agent": f"stageterm/{__version__}",
            "Accept": "application/json",
            "Accept-Encoding": "identity",  # read up to 1 MiB as sent
        }
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        try:
            tls = ssl.create_default_context(cafile=ca_bundle or None)
        except (OSError, ssl.SSLError) as exc:
            raise FeedConfigError(f"cannot read the CA bundle: {clean(str(exc), 120)}") from None
        self._backend = DeadlineBackend()
        self._client = deadline_client(
            self._backend, tls, headers, httpx.Timeout(deadline, connect=connect_timeout)
        )

    def close(self) -> None:
        self._client.close()

    def page(self, kind: str, cursor: str | None) -> Page:
        """One page of `kind` after `cursor` (None: the first page)."""
        retrying = Retrying(
            retry=retry_if_exception_type(_Transient),
            wait=wait_random_exponential(multiplier=self.retry_initial, max=self.retry_max),
            stop=stop_after_attempt(self.attempts),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._get, kind, cursor)
        except _Transient as exc:
            raise FeedDown(str(exc)) from None

    def _get(self, kind: str, cursor: str | None) -> Page:
        query = f"?{urlencode({'after': cursor})}" if cursor is not None else ""
        url = f"{self.url}/{kind}{query}"
        where = f"feed {self.shown_url}/{kind}"
        self._backend.deadline = time.monotonic() + self.deadline
        try:
            with self._client.stream("GET", url) as streamed:
                answer = read_capped(streamed)
        except httpx.TimeoutException:
            raise _Transient(f"{where}: timed out") from None
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, ssl.SSLError) or "SSL" in str(exc):
                raise FeedRefused(f"{where}: TLS failed: {self._said(str(exc))}") from None
            raise _Transient(f"{where}: unreachable") from None
        except httpx.TransportError as exc:
            raise _Transient(f"{where}: connection failed ({type(exc).__name__})") from None
        finally:
            self._backend.deadline = None
        status = answer.status_code
        if status >= 500 or status in _TRANSIENT:
            raise _Transient(f"{where}: answered {status}")
        if status >= 300:
            raise FeedRefused(f"{where}: answered {status} {self._said(answer.text, 120)}".strip())
        return self._parse(kind, cursor, answer.content)

    def _parse(self, kind: str, cursor: str | None, body: bytes) -> Page:
        source = f"{kind}@{cursor or 'start'}"
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise BadPage(f"{source}: the answer is not JSON (or longer than 1 MiB)") from None
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise BadPage(f'{source}: the answer is not {{"items": [...], "next": cursor}}')
        following = data.get("next")
        if following is not None and not isinstance(following, str | int):
            raise BadPage(f"{source}: next is not a cursor (text or a number)")
        next_cursor = None if following is None else str(following)
        if next_cursor is not None and (len(next_cursor) > 200 or not next_cursor.isprintable()):
            raise BadPage(f"{source}: next is not a usable cursor")
        return Page(kind, cursor, data["items"], next_cursor)

    def _said(self, text: str, limit: int = 200) -> str:
        return clean(self.redact(text), limit)


class _Transient(Exception):
    """A failure worth another try."""
