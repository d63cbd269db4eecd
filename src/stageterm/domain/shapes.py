"""Events and units as JSON values: the one place their facts become plain dicts.

`event_facts` and `unit_facts` are what every JSON answer builds on: the `unit --json`
history and `audit --json` (`history_event`, SPEC §5) and our own `--format json` sync
body (`plain_event`, docs/sync.md). Each outside shape is a choice of names over the same
facts, so a field added to an event reaches every shape that names it from one line here.
The store's rows are columns, not JSON (datetimes, JSON text): `store/tables.py` maps
those itself. Standard library only.
"""

from __future__ import annotations

from typing import Any

from stageterm.domain.model import Event, Unit


def unit_facts(unit: Unit) -> dict[str, Any]:
    """A unit's fields as JSON values (`unit --json` without its history)."""
    return {
        "code": unit.code,
        "item": unit.item,
        "gtin": unit.gtin,
        "lot": unit.lot,
        "serial": unit.serial,
        "sscc": unit.sscc,
        "quantity": unit.quantity,
        "uom": unit.uom,
        "expiry": unit.expiry.isoformat() if unit.expiry else None,
        "quality": unit.quality.value,
        "state": unit.state.value,
        "location": unit.location,
        "order": unit.order,
        "staged_at": unit.staged_at.isoformat() if unit.staged_at else None,
        "version": unit.version,
        "parent": unit.parent,
    }


def event_facts(event: Event, *, timespec: str = "auto") -> dict[str, Any]:
    """Every fact of one event as JSON values, under our own names.

    `timespec` is `datetime.isoformat`'s: the sync body keeps milliseconds (what EPCIS
    carries), the command line shows the time as it was stored.
    """
    return {
        "id": event.id,
        "seq": event.seq,
        "type": event.type.value,
        "unit": event.unit,
        "occurred_at": event.occurred_at.isoformat(timespec=timespec),
        "operator": event.operator,
        "terminal": event.terminal,
        "from_location": event.from_location,
        "to_location": event.to_location,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value if event.to_state else None,
        "from_quality": event.from_quality.value if event.from_quality else None,
        "to_quality": event.to_quality.value if event.to_quality else None,
        "quantity": event.quantity,
        "approved_by": event.approved_by,
        "overrides": list(event.overrides),
        "reason": event.reason,
        "undoes": event.undoes,
        "payload": event.payload or None,
        "sync_state": event.sync_state.value,
        # The facts the event was judged on (SPEC §2): kept with it, sent as they were.
        "order": event.order,
        "customer": event.customer,
        "route": event.route,
        "carrier": event.carrier,
        "work_order": event.work_order,
    }


# `unit --json` history and `audit --json` (SPEC §5): short names a reader of one unit's
# story knows (`from`, `to`, `quality` for the quality it went to), in this order.
HISTORY_NAMES: dict[str, str] = {
    "id": "id",
    "seq": "seq",
    "type": "type",
    "unit": "unit",
    "from": "from_location",
    "to": "to_location",
    "quantity": "quantity",
    "operator": "operator",
    "approved_by": "approved_by",
    "overrides": "overrides",
    "terminal": "terminal",
    "occurred_at": "occurred_at",
    "reason": "reason",
    "undoes": "undoes",
    "quality": "to_quality",
    "sync_state": "sync_state",
}

# Our own sync body (`--format json`): every fact except the local sync state, which says
# nothing to the upstream (every event it gets was pending here), plus the site.
PLAIN_LEFT_OUT = frozenset({"sync_state"})


def history_event(event: Event) -> dict[str, Any]:
    """One event of a unit's history, as `unit --json` and `audit --json` show it."""
    facts = event_facts(event)
    return {shown: facts[name] for shown, name in HISTORY_NAMES.items()}


def plain_event(event: Event, site: str) -> dict[str, Any]:
    """The event as our own JSON sync body: every fact, nothing mapped, and the site."""
    facts = event_facts(event, timespec="milliseconds")
    body: dict[str, Any] = {"id": facts.pop("id"), "seq": facts.pop("seq"), "site": site}
    body.update((name, value) for name, value in facts.items() if name not in PLAIN_LEFT_OUT)
    return body
