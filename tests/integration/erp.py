"""A loopback ERP feed for the pull tests and the benchmark: a real HTTP server on 127.0.0.1
that answers `GET /{kind}?after=cursor` with `{"items": [...], "next": cursor}`.

Pages are set per kind; the cursor is the number of the next page as text. It records
every request (path, query, Authorization) and can answer 401 to a wrong token, a given
number of 500s first, or slowly.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Erp:
    token: str = "erp-secret-1"
    pages: dict[str, list[list[Any]]] = field(default_factory=dict)
    failures: int = 0  # the next requests answered 500
    delay: float = 0.0
    seen: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, path: str, auth: str | None) -> tuple[int, Any]:
        parts = urlsplit(path)
        kind = parts.path.strip("/")
        after = parse_qs(parts.query).get("after", [None])[0]
        self.seen.append((kind, after, auth))
        if self.delay:
            time.sleep(self.delay)
        if auth != f"Bearer {self.token}":
            return 401, {"error": "who are you"}
        if self.failures > 0:
            self.failures -= 1
            return 500, {"error": "ERP busy"}
        pages = self.pages.get(kind, [])
        at = int(after) if after is not None else 0
        if at >= len(pages):
            return 200, {"items": [], "next": None}
        return 200, {"items": pages[at], "next": str(at + 1)}

    def start(self) -> Erp:
        erp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = erp.answer(self.path, self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def inbox_with_a_good_and_a_bad_file(folder: Path, new_location: str) -> Path:
    """An inbox folder holding a locations file that is taken (`new_location`: the CSV row
    of one new location) and a units file that fails (a GTIN with a wrong check digit)."""
    folder.mkdir()
    (folder / "locations-new.csv").write_text(
        f"code,kind,name,customer,route,carrier,capacity,work_order\n{new_location}\n"
    )
    (folder / "units-bad.csv").write_text(
        "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order\n"
        "Z-1,FG,09501101530004,,,,1,,,,,\n"
    )
    return folder


def pulling_env(erp: Erp, inbox: Path) -> dict[str, str]:
    """The environment of a `stageterm pull` that reads `erp`'s feed and `inbox`."""
    return {
        "STAGETERM_MASTER_URL": erp.url,
        "STAGETERM_MASTER_TOKEN": erp.token,
        "STAGETERM_INBOX": str(inbox),
    }
