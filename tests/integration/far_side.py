"""Loopback far sides for `stageterm doctor`: an HTTP service (upstream or the master data
feed) that is up, slow, wants a token, redirects, or runs its clock off; and a label
printer's raw TCP port. Both on 127.0.0.1, real sockets."""

from __future__ import annotations

import contextlib
import email.utils
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FarSide:
    """An HTTP service on 127.0.0.1 answering every GET as told; records the paths asked."""

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token
        self.status = 200
        self.delay = 0.0
        self.clock_skew = 0.0  # seconds its Date header is ahead of the real time
        self.location: str | None = None
        self.paths: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    def url(self, path: str = "/capture") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> FarSide:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Down: the port closes (a client is refused)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


def _handler(side: FarSide) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def date_time_string(self, timestamp: float | None = None) -> str:
            return email.utils.formatdate(time.time() + side.clock_skew, usegmt=True)

        def do_GET(self) -> None:
            side.paths.append(self.path)
            if side.delay:
                time.sleep(side.delay)
            status = side.status
            if side.token is not None and self.headers.get("authorization") != (
                f"Bearer {side.token}"
            ):
                status = 401
            body = b'{"items": [], "next": null}'
            try:
                self.send_response(status)
                if side.location:
                    self.send_header("Location", side.location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up (timed out)
                self.close_connection = True

    return Handler


class Printer:
    """A label printer's raw port on 127.0.0.1: takes connections, counts them, reads and
    keeps whatever is sent (the doctor must send nothing)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    while chunk := conn.recv(4096):
                        self.received += chunk
                except OSError:
                    pass

    def close(self) -> None:
        """Off: the port closes (a blocked accept() holds it open until shut down)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
