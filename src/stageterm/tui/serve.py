"""`stageterm serve`: the read-only wall board (tui/board.py) in web browsers, through
textual-serve (SPEC §6b).

textual-serve starts one board process per browser and relays its screen over a websocket.
Here it is given two things it lacks:

- a token gate: bound beyond loopback, every request (page, scripts, websocket) needs
  STAGETERM_SERVE_TOKEN, given once as `?token=` (answered with a cookie and a redirect
  that drops the token from the address bar) and then carried by the cookie. The cookie
  holds a keyed hash of the token, never the token; comparisons take constant time.
- the page's own address for its websocket (textual-serve writes the bind address,
  useless to a browser when bound to 0.0.0.0).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from textual_serve.server import Server

COOKIE = "stageterm_board"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "::1", "localhost"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def cookie_value(token: str) -> str:
    """What the cookie carries: a keyed hash of the token (the token itself never leaves)."""
    return hmac.new(token.encode(), b"stageterm board cookie", hashlib.sha256).hexdigest()


def token_gate(token: str) -> Middleware:
    """aiohttp middleware: the token, once in the query, then the cookie; else 401."""
    expected = cookie_value(token)

    @web.middleware
    async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get("token")
        if given is not None and hmac.compare_digest(given.encode(), token.encode()):
            # Into the cookie and out of the address bar (and browser history).
            query = {k: v for k, v in request.query.items() if k != "token"}
            response = web.HTTPFound(request.rel_url.with_query(query))
            response.set_cookie(COOKIE, expected, httponly=True, samesite="Strict")
            return response
        if hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), expected.encode()):
            return await handler(request)
        return web.Response(
            status=401, text="stageterm board: open it with ?token=... (STAGETERM_SERVE_TOKEN)\n"
        )

    return gate


class BoardServer(Server):
    """textual-serve's server with the token gate and per-request page addresses."""

    def __init__(self, command: str, host: str, port: int, token: str = "") -> None:
        super().__init__(command, host=host, port=port, title="stageterm board")
        self.token = token

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        if self.token:
            app.middlewares.append(token_gate(self.token))
        return app

    async def handle_index(self, request: web.Request) -> Any:
        # The websocket address the page connects to: where the browser reached us.
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    def initialize_logging(self) -> None:
        """Leave logging as the command line set it (standard error, for journald)."""

    async def on_startup(self, app: web.Application) -> None:
        """The command says where it serves; textual-serve's banner is not needed."""


def serve_board(command: str, host: str, port: int, token: str = "") -> None:
    """Serve the board until Ctrl-C or SIGTERM; `command` starts one board process."""
    BoardServer(command, host, port, token).serve()
