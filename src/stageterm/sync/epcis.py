"""Our events as EPCIS 2.0 ObjectEvents in an EPCISDocument, or as plain JSON.

Pure: it works on domain events and the facts about their units, places and orders
(`Facts`, loaded by the outbox in the same read as the events). What each event means
in CBV words is decided in `cbv.py`; how things are named, in `identifiers.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

import orjson

from stageterm.domain.model import Event, EventType, Location, LocationKind, Order, OrderKind, Unit
from stageterm.domain.shapes import plain_event
from stageterm.sync.cbv import step_for
from stageterm.sync.identifiers import (
    Namer,
    gtin14,
    gtin_class,
    gtin_instance,
    is_lot,
    is_serial,
    sscc18,
    sscc_instance,
    uom_code,
)

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Our extension fields live under this namespace, declared in every document's @context.
NAMESPACE = "https://ns.stageterm.local/epcis/"
PREFIX = "stageterm"
EPCIS_MEDIA_TYPE = "application/ld+json"
JSON_MEDIA_TYPE = "application/json"


class Format(StrEnum):
    EPCIS = "epcis"
    JSON = "json"


@dataclass(frozen=True)
class Facts:
    """What the mapping needs to know besides the events, keyed by code or ref."""

    units: dict[str, Unit] = field(default_factory=dict)
    locations: dict[str, Location] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)


def event_uri(event_id: str) -> str:
    """The eventID upstream sees: stable across resends, so a duplicate is recognisable."""
    return f"urn:uuid:{event_id}"


def event_id_from(value: str) -> str:
    """Our event id from what upstream may quote back (the urn:uuid: form or the bare id)."""
    text = value.strip()
    return text[len("urn:uuid:") :] if text.lower().startswith("urn:uuid:") else text


def utc_time(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as EPCIS examples write it."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def zone_offset(value: datetime) -> str:
    return _offset_text(value.utcoffset() or timedelta(0))


@lru_cache(maxsize=256)  # a site has one or two offsets (summer, winter)
def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


@lru_cache(maxsize=64)
def _ours(name: str) -> str:
    """`name` in our namespace, as a key (made once per name, not once per event)."""
    return f"{PREFIX}:{name}"


def document_head(created_at: datetime | None = None) -> dict[str, Any]:
    """An EPCISDocument without its events (the export streams the event list into it)."""
    return {
        "@context": [EPCIS_CONTEXT, {PREFIX: NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": utc_time(created_at or datetime.now(UTC)),
        "epcisBody": {"eventList": []},
    }


class EpcisMapper:
    """Turns events into ObjectEvents for one site."""

    def __init__(self, namer: Namer) -> None:
        self.namer = namer
        self._places: dict[str, str] = {}  # location code -> its name upstream

    def _place(self, code: str) -> str:
        name = self._places.get(code)
        if name is None:
            name = self._places[code] = self.namer.location(code)
        return name

    def document(
        self, events: Sequence[Event], facts: Facts, created_at: datetime | None = None
    ) -> dict[str, Any]:
        doc = document_head(created_at)
        doc["epcisBody"]["eventList"] = [self.event(e, facts) for e in events]
        return doc

    def event(self, event: Event, facts: Facts) -> dict[str, Any]:
        if event.type is EventType.RECEIVE:
            raise ValueError(f"event {event.id} is a receive: receive events are not sent upstream")
        to_loc = facts.locations.get(event.to_location) if event.to_location else None
        from_loc = facts.locations.get(event.from_location) if event.from_location else None
        step = step_for(event, to_loc.kind if to_loc else None)
        unit = facts.units.get(event.unit)
        out: dict[str, Any] = {
            "type": "ObjectEvent",
            "eventID": event_uri(event.id),
            "eventTime": utc_time(event.occurred_at),
            "eventTimeZoneOffset": zone_offset(event.occurred_at),
        }
        extra: dict[str, Any] = {}
        if event.type is EventType.SPLIT:
            child_code = str(event.payload.get("child") or "")
            child = facts.units.get(child_code) or unit
            self._what(out, extra, child_code or event.unit, child, event.quantity)
            extra["childUnit"] = child_code or None
        else:
            quantity = event.quantity
            if quantity is None and unit is not None:
                # hold, release and issue carry no quantity: the unit's is the one meant.
                quantity = unit.quantity
            self._what(out, extra, event.unit, unit, quantity)
        out["action"] = step.action
        out["bizStep"] = step.biz_step
        out["disposition"] = step.disposition
        where = event.to_location or event.from_location
        if where:
            out["readPoint"] = {"id": self._place(where)}
        # An issued unit has left the site's inventory for production: it has no place now.
        if event.to_location and event.type is not EventType.ISSUE:
            out["bizLocation"] = {"id": self._place(event.to_location)}
        kept = _has_facts(event)
        transactions = self._transactions(event, unit, from_loc, to_loc, facts, kept)
        if transactions:
            out["bizTransactionList"] = transactions
        extra.update(self._context_fields(event, unit, from_loc, to_loc, facts, kept))
        for key, value in extra.items():
            if value is not None:
                out[_ours(key)] = value
        return out

    def _what(
        self,
        out: dict[str, Any],
        extra: dict[str, Any],
        code: str,
        unit: Unit | None,
        quantity: int | None,
    ) -> None:
        """Name the unit: its own GS1 id in epcList, else its GTIN class in quantityList."""
        sscc = sscc18(unit.sscc) if unit else None
        gtin = gtin14(unit.gtin) if unit else None
        if unit is not None and sscc is None and gtin is not None and not unit.serial:
            element: dict[str, Any] = {"epcClass": gtin_class(gtin, unit.lot)}
            if unit.lot and not is_lot(unit.lot):
                extra["lot"] = unit.lot  # not a GS1 lot: the class is the GTIN's alone
            if quantity is not None:
                element["quantity"] = quantity
                uom, understood = uom_code(unit.uom)
                if uom:
                    element["uom"] = uom
                elif not understood:
                    extra["uom"] = unit.uom
            out["quantityList"] = [element]
            return
        if sscc is not None:
            epc = sscc_instance(sscc)
        elif gtin is not None and unit is not None and is_serial(unit.serial):
            epc = gtin_instance(gtin, str(unit.serial))
        else:
            epc = self.namer.unit(code)
        out["epcList"] = [epc]
        if unit is not None:
            # An instance id says nothing of what it holds: say it in our own fields.
            extra["item"] = unit.item
            extra["lot"] = unit.lot
            extra["quantity"] = quantity
            extra["uom"] = unit.uom

    def _transactions(
        self,
        event: Event,
        unit: Unit | None,
        from_loc: Location | None,
        to_loc: Location | None,
        facts: Facts,
        kept: bool,
    ) -> list[dict[str, str]]:
        refs: dict[str, str] = {}
        order_ref = event.order if kept else (unit.order if unit is not None else None)
        if order_ref:
            order = facts.orders.get(order_ref)
            production = order is not None and order.kind is OrderKind.PRODUCTION
            refs[order_ref] = "prodorder" if production else "po"
        if kept:
            work_order = event.work_order
        else:
            # Written before events kept their facts: the kitting area's work order now,
            # where the unit goes to, or (for an issue) where it is issued from.
            kit = from_loc if event.type is EventType.ISSUE else to_loc
            is_kit = kit is not None and kit.kind is LocationKind.KITTING
            work_order = kit.work_order if kit is not None and is_kit else None
        if work_order:
            refs.setdefault(work_order, "prodorder")
        return [
            {"type": kind, "bizTransaction": self.namer.order(ref)} for ref, kind in refs.items()
        ]

    def _context_fields(
        self,
        event: Event,
        unit: Unit | None,
        from_loc: Location | None,
        to_loc: Location | None,
        facts: Facts,
        kept: bool,
    ) -> dict[str, Any]:
        if to_loc is not None and to_loc.kind is LocationKind.LANE:
            lane: Location | None = to_loc
        elif from_loc is not None and from_loc.kind is LocationKind.LANE:
            lane = from_loc
        else:
            lane = None
        if kept:
            # What the event was judged on, kept with it: the same body on every send.
            customer, route, carrier = event.customer, event.route, event.carrier
        else:
            dock = to_loc if to_loc is not None and to_loc.kind is LocationKind.DOCK else None
            order = facts.orders.get(unit.order) if unit is not None and unit.order else None
            customer = _pick("customer", lane, order)
            route = _pick("route", lane, dock, order)
            carrier = _pick("carrier", lane, order)
        return {
            "eventType": event.type.value,
            "seq": event.seq,
            "unit": event.unit,
            "fromLocation": event.from_location,
            "lane": lane.code if lane else None,
            "customer": customer,
            "route": route,
            "carrier": carrier,
            "overrides": list(event.overrides) or None,
            "operator": event.operator,
            "approvedBy": event.approved_by,
            "terminal": event.terminal,
            "reason": event.reason,
            "undoes": event_uri(event.undoes) if event.undoes else None,
        }


def _has_facts(event: Event) -> bool:
    """True when the event carries the facts it was judged on (written since migration 0004).

    An event written before then has none, and is mapped from the master data as it is now.
    """
    return not (
        event.order is None
        and event.customer is None
        and event.route is None
        and event.carrier is None
        and event.work_order is None
    )


def _pick(name: str, *sources: Location | Order | None) -> str | None:
    """The first of `sources` that has `name` set: the lane's word beats the order's."""
    for source in sources:
        value = getattr(source, name, None) if source is not None else None
        if value:
            return str(value)
    return None


@dataclass(frozen=True)
class Encoder:
    """Request bodies in the chosen format."""

    format: Format
    mapper: EpcisMapper
    content_type: str = EPCIS_MEDIA_TYPE
    """How EPCIS bodies are labelled: application/ld+json, or application/json for an
    upstream that takes only that (the document is the same JSON-LD either way)."""

    @property
    def media_type(self) -> str:
        return self.content_type if self.format is Format.EPCIS else JSON_MEDIA_TYPE

    def items(self, events: Iterable[Event], facts: Facts) -> list[dict[str, Any]]:
        if self.format is Format.EPCIS:
            return [self.mapper.event(e, facts) for e in events]
        return [plain_event(e, self.mapper.namer.site) for e in events]

    def body(self, events: Sequence[Event], facts: Facts) -> bytes:
        if self.format is Format.EPCIS:
            value: Any = self.mapper.document(events, facts)
        else:
            value = self.items(events, facts)
        return orjson.dumps(value)


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 as it is (orjson: five times faster than json for a batch)."""
    return orjson.dumps(value).decode("utf-8")
