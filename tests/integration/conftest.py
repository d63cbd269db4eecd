"""Fixtures for the integration tests: the explicit test site on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from integration.helpers import build_site, seed_now
from stageterm.services.site import Site
from stageterm.store.engine import Store


@pytest.fixture
def site_store(backend, fixed_now: datetime) -> Store:  # type: ignore[no-untyped-def]
    """The site of helpers.py, fresh for this test (a SQLite file, then PostgreSQL)."""
    return backend.store("site", lambda store: build_site(store, fixed_now))


@pytest.fixture
def services(site_store: Store, clock) -> Site:  # type: ignore[no-untyped-def]
    """This terminal (T-1) on the site, at the test clock."""
    return Site(site_store, terminal="T-1", clock=clock)


@pytest.fixture
def other_terminal(site_store: Store, clock) -> Site:  # type: ignore[no-untyped-def]
    """A second terminal (T-2) on the same database."""
    return Site(site_store, terminal="T-2", clock=clock)


@pytest.fixture
def sqlite_site(sqlite_factory, fixed_now: datetime) -> Store:  # type: ignore[no-untyped-def]
    """The same site on SQLite only, for what does not depend on the database (parsing, scans)."""
    return sqlite_factory.store("site", lambda store: build_site(store, fixed_now))


@pytest.fixture
def demo_db(sqlite_factory) -> str:  # type: ignore[no-untyped-def]
    """URL of a fresh copy of the demo site (SQLite; 62 events pending upstream)."""
    return sqlite_factory.url("demo-now", seed_now)
