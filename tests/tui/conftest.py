"""Fixtures for the terminal UI tests: the demo site on a SQLite file at a fixed clock,
and the app built on it as `stageterm demo` builds it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from tui_kit import SETTINGS

from stageterm.demo import seed
from stageterm.services.site import Site
from stageterm.store.engine import Store
from stageterm.tui.app import StagetermApp


@pytest.fixture
def demo_store(sqlite_factory: Any, fixed_now: datetime) -> Store:
    """The demo site (stageterm.demo.seed at the fixed clock) in a fresh SQLite file."""
    return sqlite_factory.store("demo", lambda store: seed(store, now=fixed_now))


@pytest.fixture
def services(demo_store: Store, clock: Any) -> Site:
    return Site(demo_store, terminal="tui-test", settings=SETTINGS, clock=clock)


@pytest.fixture
def other_terminal(demo_store: Store, clock: Any) -> Site:
    """The same site seen from another terminal."""
    return Site(demo_store, terminal="tui-other", settings=SETTINGS, clock=clock)


@pytest.fixture
def make_app(services: Site) -> Iterator[Callable[..., StagetermApp]]:
    def make(**settings: Any) -> StagetermApp:
        return StagetermApp(site=services, settings=SETTINGS.replace(**settings))

    yield make


@pytest.fixture(params=[(80, 24), (40, 16)], ids=["80x24", "40x16"])
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    return request.param


@pytest.fixture(autouse=True)
def _a_plain_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key bar reads TERM (VT terminals are shown Ctrl keys first): the same for every
    run of the suite, whatever terminal it is started from."""
    monkeypatch.setenv("TERM", "xterm-256color")
