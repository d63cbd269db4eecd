"""An HTTP client for upstream that can never hang: an overall deadline and a cap on answers.

httpx's timeouts are per operation: a read that gets one byte every 2 s never times out,
so an upstream dripping its answer would hold the sync (and the batch's lease) for ever.
Here every socket operation of a request is given only the time left until the request's
deadline, so the whole exchange (connect, TLS, send, headers, body) ends by then, whatever
the server does. Answers are streamed and read up to `MAX_ANSWER` bytes: a 400 MB body
costs 1 MiB of memory, not 400.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpcore
import httpx

MAX_ANSWER = 1024 * 1024  # bytes of an answer that are read; the rest is never fetched


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, each operation bounded by the deadline of the request under way.

    One backend serves one `Uplink`, which sends one request at a time (the worker's
    thread), so the deadline is a plain attribute.
    """

    def __init__(self) -> None:
        self._sockets = httpcore.SyncBackend()
        self.deadline: float | None = None  # time.monotonic() by which the request must end

    def clamp(self, timeout: float | None, late: type[Exception]) -> float | None:
        """`timeout`, or the time left before the deadline if that is less."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise late("the request's overall deadline passed")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._sockets.connect_tcp(
            host,
            port,
            self.clamp(timeout, httpcore.ConnectTimeout),
            local_address,
            socket_options,
        )
        return DeadlineStream(stream, self)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._sockets.connect_unix_socket(
            path, self.clamp(timeout, httpcore.ConnectTimeout), socket_options
        )
        return DeadlineStream(stream, self)

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._stream = stream
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._backend.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._backend.clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(
            ssl_context, server_hostname, self._backend.clamp(timeout, httpcore.ConnectTimeout)
        )
        return DeadlineStream(stream, self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def deadline_client(
    backend: DeadlineBackend,
    tls: ssl.SSLContext,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
) -> httpx.Client:
    """An httpx client whose connections use `backend`; no redirects, no proxies or .netrc.

    httpx's transport takes no network backend, so its connection pool is replaced by one
    that does (same settings). Environment proxies are not used (`trust_env=False`): a
    proxy mount would bypass the deadline, and .netrc credentials must not reach upstream.
    """
    transport = httpx.HTTPTransport(verify=tls)
    transport._pool = httpcore.ConnectionPool(ssl_context=tls, network_backend=backend)
    return httpx.Client(
        headers=dict(headers),
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def read_capped(response: httpx.Response, limit: int = MAX_ANSWER) -> httpx.Response:
    """The streamed `response` with at most `limit` bytes of its body, as a plain response.

    Stops reading at the limit; closing the stream then drops the connection rather than
    draining the rest.
    """
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    content = b"".join(chunks)[:limit]
    # The body is decoded already: drop the headers that describe it on the wire.
    kept = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code, headers=kept, content=content, request=response.request
    )
