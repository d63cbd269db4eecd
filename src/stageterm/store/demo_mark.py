"""Whether a database holds the demo site: the mark `stageterm demo` leaves when it seeds.

The mark is a `sync_status` row named "demo-site" (no migration: the table exists on
every schema and the sync reads only its own "upstream" row). Databases seeded before
the mark existed are recognised by their signature: units received at terminal "demo",
which only the demo's seed uses.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import exists, select

from stageterm.store.engine import Store
from stageterm.store.tables import EVENTS, LOCATIONS, OPERATORS, UNITS, SyncStatusRow

DEMO_MARK = "demo-site"
DEMO_TERMINAL = "demo"  # the terminal the demo's units are received at


class SiteKind(Enum):
    EMPTY = "empty"  # nothing in it: the demo may seed it
    DEMO = "demo"
    OTHER = "other"  # a real site: the demo must not touch it


def site_kind(store: Store) -> SiteKind:
    with store.read() as session:
        if session.get(SyncStatusRow, DEMO_MARK) is not None:
            return SiteKind.DEMO
        connection = session.connection()
        if connection.execute(
            select(exists().where(EVENTS.c.terminal == DEMO_TERMINAL, EVENTS.c.type == "receive"))
        ).scalar():
            return SiteKind.DEMO
        for table in (LOCATIONS, UNITS, OPERATORS):
            if connection.execute(select(exists().select_from(table))).scalar():
                return SiteKind.OTHER
    return SiteKind.EMPTY


def mark_demo(store: Store) -> None:
    """Write the mark (before seeding: a seed cut short is still known as the demo's)."""
    with store.write() as session:
        if session.get(SyncStatusRow, DEMO_MARK) is None:
            session.add(SyncStatusRow(name=DEMO_MARK))
