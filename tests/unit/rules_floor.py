"""A small floor for the rule tests: locations, orders and units, each there for a rule.

Shared by test_rules*.py and test_suggest.py; pure values, no database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from stageterm.domain.model import (
    Location,
    LocationKind,
    Order,
    OrderKind,
    OrderLine,
    Unit,
    UnitState,
)
from stageterm.domain.rules import Allowed, NeedsApproval, Refused, SiteFacts

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
TODAY = NOW.date()

STORAGE = Location("S-01", LocationKind.STORAGE)
OTHER_STORAGE = Location("S-02", LocationKind.STORAGE)
LANE_ACME_N = Location("L-1", LocationKind.LANE, customer="ACME", route="NORTH", capacity=4)
LANE_NORTH = Location("L-2", LocationKind.LANE, route="NORTH")
LANE_ACME = Location("L-3", LocationKind.LANE, customer="ACME")
LANE_OPEN = Location("L-4", LocationKind.LANE)
KIT = Location("KIT-A", LocationKind.KITTING, work_order="WO-1")
KIT_FREE = Location("KIT-B", LocationKind.KITTING)
DOCK_N = Location("D-N", LocationKind.DOCK, route="NORTH")
DOCK_S = Location("D-S", LocationKind.DOCK, route="SOUTH")
DOCK_ANY = Location("D-X", LocationKind.DOCK)
LINE = Location("LINE-1", LocationKind.LINE)
# Work in process between heat treatment and machining: a kanban of 3 units.
BUFFER = Location("B-HT", LocationKind.BUFFER, operation="MACHINING", capacity=3)
BUFFER_FREE = Location("B-X", LocationKind.BUFFER, operation="PAINT")
QUARANTINE = Location("Q-01", LocationKind.QUARANTINE)

SO_ACME_N = Order("SO-1", OrderKind.OUTBOUND, customer="ACME", route="NORTH")
SO_ACME_S = Order("SO-2", OrderKind.OUTBOUND, customer="ACME", route="SOUTH")
SO_BOLT_N = Order("SO-3", OrderKind.OUTBOUND, customer="BOLT", route="NORTH")
WO = Order(
    "WO-1",
    OrderKind.PRODUCTION,
    lines=(OrderLine("C-1", 50), OrderLine("C-2", 10), OrderLine("C-2", 5)),
)

UNIT = Unit(
    "U-1",
    item="FG-1",
    quantity=40,
    location="S-01",
    order="SO-1",
    expiry=TODAY + timedelta(days=30),
)
COMPONENT = Unit("C-1", item="C-1", quantity=30, location="S-01", expiry=TODAY + timedelta(days=90))
FACTS = SiteFacts(order=SO_ACME_N)


def staged(unit: Unit, lane: Location) -> Unit:
    return replace(unit, location=lane.code, state=UnitState.STAGED, staged_at=NOW)


def verdict_code(verdict: Allowed | Refused | NeedsApproval) -> str | None:
    return verdict.code
