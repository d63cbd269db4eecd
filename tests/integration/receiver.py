"""A real HTTP upstream on 127.0.0.1 for the sync tests and the benchmark.

It records every request (body, headers, when) and answers as told: 2xx by default; a
planned sequence of statuses (500, 503 with Retry-After, 401, ...); a 400 that names
events by eventID; 409 for eventIDs it already has; slowly (for timeouts); or not at
all (`stop()` closes the port and every open connection, so clients see "connection
refused"). `hold(skip)` makes a request wait inside the server until `release()`, for
killing a client mid-request.

As an EPCIS 2.0 REST binding server it can also: take documents as capture jobs (`202` with
a `Location`, the job `running` for a few looks, then `success` or failed with `errors`);
refuse a content type it does not take (`415`); and answer badly on purpose: a body
dripped one byte at a time (`Reply(drip=...)`), a huge one (`Reply(huge=...)`), or none
(`Reply(drop=True)`: the connection is cut).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0  # seconds between the body's bytes (sent one at a time)
    huge: int = 0  # bytes of filler sent as the body instead of `body`
    drop: bool = False  # no answer at all: the connection is cut (after any delay)


@dataclass
class Job:
    """A capture job: running for `looks` GETs, then done (failed when `errors` is set)."""

    ids: list[str]
    looks: int
    errors: list[dict[str, str]] | None = None
    seen: int = 0

    def document(self, job_id: str) -> dict[str, Any]:
        running = self.seen <= self.looks
        failed = not running and self.errors is not None
        return {
            "captureID": job_id,
            "running": running,
            "success": not failed,
            "captureErrorBehaviour": "rollback",
            "errors": self.errors if failed else [],
        }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    started: float
    status: int = 0
    finished: float = 0.0

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_ids(self) -> list[str]:
        return event_ids(self.json)


def event_ids(document: Any) -> list[str]:
    """eventIDs of an EPCISDocument, or ids (as urn:uuid:) of our plain JSON list."""
    if isinstance(document, dict):
        return [e["eventID"] for e in document["epcisBody"]["eventList"]]
    return [f"urn:uuid:{e['id']}" for e in document]


class Receiver:
    def __init__(self, *, token: str | None = None, tls: tuple[str, str] | None = None) -> None:
        self.token = token
        self.tls = tls
        self.port = 0
        self.requests: list[Received] = []
        self.accepted: list[str] = []  # eventIDs captured, in the order they arrived
        self.reject: dict[str, str] = {}  # eventID -> reason: answered 400 naming them
        self.dedupe = True  # 409 for a document whose eventIDs were all captured before
        self.delay = 0.0
        self.arrived = threading.Event()
        self.jobs: dict[str, Job] | None = None  # set by capture_jobs(): answer 202 + Location
        self.job_looks = 0
        self.job_errors: list[dict[str, str]] | None = None
        self.media_types: set[str] | None = None  # set: 415 for any other Content-Type
        self.job_requests: list[Received] = []
        self._plan: deque[Reply] = deque()
        self._hold: threading.Event | None = None
        self._hold_skip = 0
        self._holding: threading.Event | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()

    # -- control ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/capture"

    def start(self) -> Receiver:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Down: the port closes and open keep-alive connections are cut."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self._connections.clear()

    def plan(self, *replies: Reply | int) -> None:
        """Answer the next requests like this, in order, then as usual."""
        with self._lock:
            self._plan.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def capture_jobs(self, looks: int = 2, errors: list[dict[str, str]] | None = None) -> None:
        """From now on, take documents as capture jobs running for `looks` GETs, then
        succeeding (or failing with `errors`, RFC 7807 problems)."""
        self.jobs = {}
        self.job_looks = looks
        self.job_errors = errors

    def hold(self, skip: int = 0) -> None:
        """After `skip` more requests, the next one is recorded, then waits for `release()` (or 30 s)."""
        self.arrived.clear()
        self._hold_skip = skip
        self._hold = threading.Event()

    def release(self) -> None:
        for hold in (self._hold, self._holding):
            if hold is not None:
                hold.set()

    def _take_hold(self) -> threading.Event | None:
        with self._lock:
            if self._hold is None:
                return None
            if self._hold_skip > 0:
                self._hold_skip -= 1
                return None
            hold, self._hold = self._hold, None
            self._holding = hold
            return hold

    def received_ids(self) -> list[str]:
        """Every eventID of every request, resends included, in arrival order."""
        with self._lock:
            return [i for r in self.requests for i in r.event_ids]

    # -- answering -------------------------------------------------------------------

    def _answer(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            planned = self._plan.popleft() if self._plan else None
        if (
            self.token is not None
            and request.headers.get("authorization") != f"Bearer {self.token}"
        ):
            return Reply(401, {"reason": "bad or missing token"})
        if planned is not None:
            return planned
        media = request.headers.get("content-type", "").split(";")[0].strip()
        if self.media_types is not None and media not in self.media_types:
            return Reply(415, {"type": "epcisException:UnsupportedMediaType", "title": media})
        ids = request.event_ids
        named = [{"eventID": i, "reason": self.reject[i]} for i in ids if i in self.reject]
        if named:
            return Reply(400, {"rejected": named})
        with self._lock:
            seen = set(self.accepted)
            if self.dedupe and ids and all(i in seen for i in ids):
                return Reply(409, {"duplicates": ids})
            if self.jobs is not None:
                job_id = f"job{len(self.jobs) + 1}"
                self.jobs[job_id] = Job(ids, self.job_looks, self.job_errors)
                return Reply(202, None, headers={"Location": f"/capture/{job_id}"})
            self.accepted.extend(i for i in ids if i not in seen)
        return Reply(200, {"captured": len(ids)}, delay=self.delay)

    def _job(self, request: Received) -> Reply:
        with self._lock:
            self.job_requests.append(request)
            planned = self._plan.popleft() if self._plan else None
        if (
            self.token is not None
            and request.headers.get("authorization") != f"Bearer {self.token}"
        ):
            return Reply(401, {"reason": "bad or missing token"})
        if planned is not None:
            return planned
        job_id = request.path.rsplit("/", 1)[-1]
        with self._lock:
            job = (self.jobs or {}).get(job_id)
            if job is None:
                return Reply(404, {"title": "no such capture job"})
            job.seen += 1
            document = job.document(job_id)
            if not document["running"] and document["success"]:
                seen = set(self.accepted)
                self.accepted.extend(i for i in job.ids if i not in seen)
        return Reply(200, document)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real upstream
        disable_nagle_algorithm = True  # headers and body are separate writes

        def setup(self) -> None:
            super().setup()
            with receiver._lock:
                receiver._connections.add(self.connection)

        def finish(self) -> None:
            with receiver._lock:
                receiver._connections.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            request = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic()
            )
            reply = receiver._answer(request)
            if (hold := receiver._take_hold()) is not None:
                receiver.arrived.set()
                hold.wait(30)
            elif reply.delay:
                time.sleep(reply.delay)
            self._send(request, reply)

        def do_GET(self) -> None:
            request = Received(
                self.path, {k.lower(): v for k, v in self.headers.items()}, b"", time.monotonic()
            )
            self._send(request, receiver._job(request))

        def _send(self, request: Received, reply: Reply) -> None:
            if reply.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                request.finished = time.monotonic()
                return
            payload = json.dumps(reply.body).encode() if reply.body is not None else b""
            size = reply.huge or len(payload)
            request.status = reply.status
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(size))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if reply.huge:
                    block = b" " * 65536
                    for start in range(0, reply.huge, len(block)):
                        self.wfile.write(block[: reply.huge - start])
                elif reply.drip:
                    for i in range(len(payload)):
                        self.wfile.write(payload[i : i + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                else:
                    self.wfile.write(payload)
            except OSError:
                self.close_connection = True  # the client went away (timed out or was killed)
            request.finished = time.monotonic()

    return Handler
