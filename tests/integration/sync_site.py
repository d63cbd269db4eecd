"""A small site in a real database for the sync tests and the benchmark.

Events are written straight into the log (as the services would, pending or local), with
the locations and units they mention, so the sync is tested on its own.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
from sqlalchemy import insert, select

from stageterm.domain.model import (
    Event,
    EventType,
    Location,
    LocationKind,
    OrderKind,
    SyncState,
    Unit,
    UnitState,
    new_event_id,
)
from stageterm.store.engine import Store, open_store
from stageterm.store.migrate import upgrade
from stageterm.store.tables import EventRow, LocationRow, OrderRow, UnitRow

CET = timezone(timedelta(hours=1))


def open_sqlite(path: Path) -> Store:
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    return store


class Site:
    """Locations LANE-1 (customer ACME, route R1), KIT-1 (work order WO-1), STORE-1, DOCK-1."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._clock = itertools.count()
        self.start = datetime(2025, 3, 3, 8, 0, tzinfo=CET)
        with store.write() as s:
            s.add(
                OrderRow(
                    ref="SO-1",
                    kind=OrderKind.OUTBOUND.value,
                    customer="ACME",
                    route="R1",
                    carrier="DHL",
                )
            )
            s.add(OrderRow(ref="WO-1", kind=OrderKind.PRODUCTION.value))
            for loc in (
                Location(
                    "LANE-1",
                    LocationKind.LANE,
                    customer="ACME",
                    route="R1",
                    carrier="DHL",
                    capacity=40,
                ),
                Location("KIT-1", LocationKind.KITTING, work_order="WO-1"),
                Location("STORE-1", LocationKind.STORAGE),
                Location("DOCK-1", LocationKind.DOCK, route="R1"),
            ):
                s.add(LocationRow(**_location_values(loc)))

    def unit(self, code: str, **fields: object) -> Unit:
        values: dict[str, object] = {"item": "ITEM-1", "quantity": 10, "location": "STORE-1"}
        values.update(fields)
        unit = Unit(code=code, **values)  # type: ignore[arg-type]
        with self.store.write() as s:
            s.add(UnitRow(**UnitRow.values_from(unit)))
        return unit

    def event(self, kind: EventType, unit: str, **fields: object) -> Event:
        """One event, written pending (receive: local), returned with its seq."""
        values: dict[str, object] = {
            "from_location": "STORE-1",
            "to_location": "LANE-1",
            "from_state": UnitState.STORED,
            "to_state": UnitState.STAGED,
            "quantity": 10,
            "operator": "OP-1",
            "terminal": "test:tty1",
        }
        values.update(fields)
        state = SyncState.LOCAL if kind is EventType.RECEIVE else SyncState.PENDING
        event = Event(
            id=new_event_id(),
            type=kind,
            unit=unit,
            occurred_at=self.start + timedelta(seconds=next(self._clock)),
            sync_state=state,
            **values,  # type: ignore[arg-type]
        )
        with self.store.write() as s:
            row = EventRow(**EventRow.values_from(event))
            s.add(row)
            s.flush()
            return replace(event, seq=row.seq)

    def stages(self, count: int, *, units: int = 0, prefix: str = "U") -> list[Event]:
        """`count` stage events over `units` units (one event per unit when 0), in seq order."""
        units = units or count
        codes = [f"{prefix}{i:06d}" for i in range(units)]
        with self.store.write() as s:
            s.execute(
                insert(UnitRow),
                [
                    UnitRow.values_from(
                        Unit(code=c, item="ITEM-1", quantity=5, gtin="4012345000009", lot="L1")
                    )
                    for c in codes
                ],
            )
        return self.bulk_events([(EventType.STAGE, codes[i % units]) for i in range(count)])

    def bulk_events(self, specs: list[tuple[EventType, str]]) -> list[Event]:
        events = [
            Event(
                id=new_event_id(),
                type=kind,
                unit=code,
                occurred_at=self.start + timedelta(milliseconds=i),
                operator="OP-1",
                terminal="bench:tty1",
                from_location="STORE-1",
                to_location="LANE-1",
                from_state=UnitState.STORED,
                to_state=UnitState.STAGED,
                quantity=5,
            )
            for i, (kind, code) in enumerate(specs)
        ]
        with self.store.write() as s:
            for start in range(0, len(events), 5000):
                s.execute(
                    insert(EventRow),
                    [EventRow.values_from(e) for e in events[start : start + 5000]],
                )
        return self.events_in_seq_order()

    def events_in_seq_order(self) -> list[Event]:
        with self.store.read() as s:
            return [
                r.to_domain() for r in s.execute(select(EventRow).order_by(EventRow.seq)).scalars()
            ]  # type: ignore[arg-type]

    def states(self) -> dict[str, str]:
        """Event id -> sync state."""
        return {e.id: e.sync_state.value for e in self.events_in_seq_order()}


def _location_values(loc: Location) -> dict[str, object]:
    return {
        "code": loc.code,
        "kind": loc.kind.value,
        "customer": loc.customer,
        "route": loc.route,
        "carrier": loc.carrier,
        "capacity": loc.capacity,
        "work_order": loc.work_order,
    }


# -- EPCIS schema validation (the official schema, with strict uri and date-time checks) --

SCHEMA_PATH = Path(__file__).parents[1] / "data" / "epcis" / "EPCIS-JSON-Schema.json"
_URI_CHARS = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_checker = jsonschema.FormatChecker()


@_checker.checks("uri")
def _is_uri(value: object) -> bool:
    return (
        isinstance(value, str) and bool(_URI_CHARS.match(value)) and not _BAD_ESCAPE.search(value)
    )


@_checker.checks("date-time")
def _is_date_time(value: object) -> bool:
    return isinstance(value, str) and bool(_DATE_TIME.match(value))


_VALIDATOR = jsonschema.Draft7Validator(
    json.loads(SCHEMA_PATH.read_text()), format_checker=_checker
)


def epcis_errors(document: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _VALIDATOR.iter_errors(document)]
