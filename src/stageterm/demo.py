"""A realistic demo site: customers, routes, lanes, kitting areas, WIP buffers, orders, units
and a morning's moves.

Seeded through the same imports and use cases the floor uses, so the demo has real
event history (with past times, so lanes show dwell).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from biip.checksums import gs1_standard_check_digit

from stageterm.intake import Row, import_rows
from stageterm.services.site import Site
from stageterm.store.demo_mark import DEMO_TERMINAL, SiteKind, mark_demo, site_kind
from stageterm.store.engine import Store

CUSTOMERS = ("ACME", "BOLT", "CORA")
ROUTES = ("NORTH", "SOUTH", "EAST", "WEST")
OPERATORS: list[dict[str, object]] = [
    {"badge": "1001", "name": "Ana Ortiz", "role": "operator", "pin": None},
    {"badge": "1002", "name": "Ben Kowalski", "role": "operator", "pin": None},
    {"badge": "2001", "name": "Lee Chen", "role": "lead", "pin": None},
    {"badge": "2002", "name": "Mia Novak", "role": "lead", "pin": "2468"},
    {"badge": "3001", "name": "Quinn Abara", "role": "quality", "pin": None},
    {"badge": "9001", "name": "Ida Admin", "role": "admin", "pin": "9999"},
]
BUFFERS = (
    ("B-HT", "After heat treatment", "machining", 6),
    ("B-PAINT", "Before paint", "paint", 4),
)
# (unit, buffer, minutes ago): components of items no work order uses (C-207..C-209), so
# kitting and FEFO answers stay as they were; C-207 and C-208 wait twice in B-HT and B-PAINT,
# so issuing the newer one first is a fifo-skip.
WIP = (
    (149, "B-HT", 300), (150, "B-HT", 250), (158, "B-HT", 190), (160, "B-HT", 130),
    (168, "B-HT", 70), (169, "B-PAINT", 45), (170, "B-PAINT", 35), (178, "B-PAINT", 20),
    (179, "B-PAINT", 8),
)  # fmt: skip
DEMO_BADGES = {str(op["badge"]): str(op["name"]) for op in OPERATORS}


def _gtin(n: int) -> str:
    body = f"0950110153{n:03d}"
    return f"{body}{gs1_standard_check_digit(body)}"


def _sscc(n: int) -> str:
    body = f"00950110150{n:06d}"
    return f"{body}{gs1_standard_check_digit(body)}"


def _rows(items: list[dict[str, object]]) -> list[tuple[int, Row]]:
    return [
        (i, {k: None if v is None else str(v) for k, v in row.items()})
        for i, row in enumerate(items, 1)
    ]


def _locations() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in range(1, 13):
        customer = CUSTOMERS[(i - 1) % 3] if i <= 9 else None
        route = ROUTES[(i - 1) % 4]
        rows.append(
            {
                "code": f"L-{i:02d}",
                "kind": "lane",
                "name": f"Lane {i}",
                "customer": customer,
                "route": route,
                "carrier": "DHL" if route in ("NORTH", "EAST") else "DSV",
                "capacity": 8 if i % 4 else 12,
            }
        )
    for i, route in enumerate(ROUTES, 1):
        rows.append({"code": f"D-{i}", "kind": "dock", "name": f"Dock door {i}", "route": route})
    rows.append({"code": "KIT-A", "kind": "kitting", "name": "Kitting A", "work_order": "WO-5001"})
    rows.append({"code": "KIT-B", "kind": "kitting", "name": "Kitting B", "work_order": "WO-5002"})
    rows.append({"code": "LINE-1", "kind": "line", "name": "Assembly line 1"})
    rows.append({"code": "Q-01", "kind": "quarantine", "name": "Quarantine cage"})
    for i in range(1, 21):
        rows.append({"code": f"S-{i:02d}", "kind": "storage", "name": f"Rack {i}"})
    # Work in process: parts out of heat treatment wait for machining, machined parts for paint.
    for code, name, operation, cap in BUFFERS:
        rows.append(
            {"code": code, "kind": "buffer", "name": name, "operation": operation, "capacity": cap}
        )
    return rows


def _orders(now: datetime) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in range(12):
        ref = f"SO-{1001 + i}"
        customer, route = CUSTOMERS[i % 3], ROUTES[i % 4]
        due = (now + timedelta(hours=1 + i)).replace(minute=0, second=0, microsecond=0)
        for j in range(2):
            rows.append(
                {
                    "ref": ref,
                    "kind": "outbound",
                    "customer": customer,
                    "route": route,
                    "carrier": "DHL" if route in ("NORTH", "EAST") else "DSV",
                    "due_at": due.isoformat(),
                    "item": f"FG-{100 + (i + j) % 10}",
                    "quantity": 40 + 10 * j,
                }
            )
    for ref, items in (("WO-5001", (200, 201, 202, 203)), ("WO-5002", (204, 205, 206))):
        for item in items:
            rows.append(
                {
                    "ref": ref,
                    "kind": "production",
                    "item": f"C-{item}",
                    "quantity": 60,
                    "due_at": (now + timedelta(hours=6))
                    .replace(minute=0, second=0, microsecond=0)
                    .isoformat(),
                }
            )
    return rows


def _units(now: datetime, rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for n in range(1, 201):
        finished = n <= 140
        number = (n - 1) % 10
        item = f"FG-{100 + number}" if finished else f"C-{200 + number}"
        # Two lots per item with different expiries, so FEFO has something to say.
        lot_age = 1 if n % 7 == 0 else 0  # most stock is one lot; a newer lot sits beside it
        expiry = (now + timedelta(days=30 + 60 * lot_age + number)).date()
        quality = "released"
        if n % 37 == 0:
            quality = "quarantine"
        elif n % 41 == 0:
            quality = "hold"
        if n % 53 == 0:
            expiry = (now - timedelta(days=3)).date()
        order = f"SO-{1001 + (n % 12)}" if finished and n % 5 else None
        rows.append(
            {
                "code": f"U{n:05d}",
                "item": item,
                "gtin": _gtin(number + (0 if finished else 100)),
                "lot": f"{'L' if finished else 'C'}{24 + lot_age}{number:02d}{lot_age}",
                "serial": None,
                "sscc": _sscc(n) if finished else None,
                "quantity": 40 if finished else 30,
                "uom": "EA",
                "expiry": expiry.isoformat(),
                "quality": quality,
                "location": "Q-01" if quality == "quarantine" else f"S-{1 + n % 20:02d}",
                "order": order,
            }
        )
    return rows


class NotTheDemo(Exception):
    """The database holds a site the demo did not seed: the demo must not open or touch it."""


def seed(store: Store, now: datetime | None = None, *, seed_value: int = 7) -> bool:
    """Fill an empty database with the demo site; False (and nothing done) if the demo
    seeded it before. A database with anything else in it raises NotTheDemo."""
    kind = site_kind(store)
    if kind is SiteKind.DEMO:
        return False
    if kind is SiteKind.OTHER:
        raise NotTheDemo("it holds a site the demo did not seed")
    mark_demo(store)
    now = now or datetime.now().astimezone()
    rng = random.Random(seed_value)
    clock = lambda: now - timedelta(hours=12)  # noqa: E731 - master data arrived before the shift
    import_rows(store, "operators", "demo-operators", _rows(OPERATORS), clock=clock)
    import_rows(store, "locations", "demo-locations", _rows(_locations()), clock=clock)
    import_rows(store, "orders", "demo-orders", _rows(_orders(now)), clock=clock)
    import_rows(
        store, "units", "demo-units", _rows(_units(now, rng)), clock=clock, terminal=DEMO_TERMINAL
    )
    _stage_some(store, now, rng)
    return True


def _stage_some(store: Store, now: datetime, rng: random.Random) -> None:
    """A morning's staging: units into their route's lane at past times, some kitting."""
    # How long ago each lane started filling: some fresh, some aging (>2 h), a few old (>8 h).
    first_in = dict(
        zip(
            (f"L-{i:02d}" for i in range(1, 13)),
            (25, 160, 510, 70, 290, 15, 130, 45, 540, 95, 230, 10),
            strict=True,
        )
    )
    filled: dict[str, int] = {}
    current = {"t": now}
    site = Site(store, terminal="demo-dock-1", clock=lambda: current["t"])
    lanes = [
        (f"L-{i:02d}", CUSTOMERS[(i - 1) % 3] if i <= 9 else None, ROUTES[(i - 1) % 4])
        for i in range(1, 13)
    ]
    orders = {f"SO-{1001 + i}": (CUSTOMERS[i % 3], ROUTES[i % 4]) for i in range(12)}
    staged = 0
    for n in range(1, 141):
        order = f"SO-{1001 + (n % 12)}" if n % 5 else None
        if staged >= 45 or order is None or n % 37 == 0 or n % 41 == 0 or n % 53 == 0 or n % 3 == 0:
            continue
        customer, route = orders[order]
        # The customer's own lane for the route, else the route's shared lane.
        lane = next((c for c, cu, r in lanes if r == route and cu in (customer, None)), None)
        if lane is None:
            continue
        # Each lane fills oldest first: a few minutes between its units.
        filled[lane] = filled.get(lane, 0) + 1
        age = max(2, first_in[lane] - 6 * (filled[lane] - 1) - rng.randint(0, 4))
        current["t"] = now - timedelta(minutes=age)
        result = site.moves.move(f"U{n:05d}", lane, "1001" if n % 2 else "1002")
        if result.outcome.value == "needs_approval":
            site.moves.move(f"U{n:05d}", lane, "1001", approve="2001")
        staged += 1
    for n, area, age in ((141, "KIT-A", 80), (142, "KIT-A", 50), (145, "KIT-B", 20)):
        current["t"] = now - timedelta(minutes=age)
        site.moves.move(f"U{n:05d}", area, "1002", quantity=20, approve="2001")
    for n, buffer, age in WIP:
        current["t"] = now - timedelta(minutes=age)
        site.moves.move(f"U{n:05d}", buffer, "1002")
