"""The lane query against a plain Python count of the same units, on a random-ish site.

`queries.lane_rows` sums in SQL, in steps chosen for speed (units per lane and order from a
covering index, then orders, then lanes). Whatever the steps, every lane must show what
counting its staged units one by one shows: units, quantity, oldest staged time, earliest
due of their orders; and `Site.queue` the same figures in the same order. The site has
what could trip a grouping: lanes with nothing, several orders in a lane, units with no
order or an order that is not on file, orders with no due time, units in every state and
in kitting areas and storage, lanes with no customer or route. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from integration.helpers import FIXED_NOW
from stageterm.domain.metrics import dwell_seconds
from stageterm.domain.model import LocationKind, UnitState
from stageterm.services.site import Site
from stageterm.store import queries
from stageterm.store.engine import Store
from stageterm.store.tables import LOCATIONS, ORDERS, UNITS

NOW = FIXED_NOW.astimezone(UTC)
CUSTOMERS = ["ACME", "BOLT", "CORE", None]
ROUTES = ["NORTH", "SOUTH", "EAST", None]


@dataclass(frozen=True)
class Figures:
    units: int
    quantity: int
    oldest: datetime | None
    due: datetime | None


def random_site(store: Store, seed: int) -> tuple[list[dict], list[dict], list[dict]]:  # type: ignore[type-arg]
    """Locations, orders and units drawn from `seed`, written straight into the tables."""
    draw = random.Random(seed)
    locations = [
        {
            "code": f"L-{i:02d}",
            "kind": LocationKind.LANE.value,
            "customer": draw.choice(CUSTOMERS),
            "route": draw.choice(ROUTES),
            "carrier": draw.choice(["DHL", None]),
            "capacity": draw.choice([None, 0, 3, 8]),
        }
        for i in range(25)
    ]
    bare = {"customer": None, "route": None, "carrier": None, "capacity": None}
    locations += [{"code": f"K-{i}", "kind": LocationKind.KITTING.value, **bare} for i in range(3)]
    locations += [{"code": f"S-{i}", "kind": LocationKind.STORAGE.value, **bare} for i in range(3)]
    orders = [
        {
            "ref": f"SO-{i:02d}",
            "kind": "outbound",
            "due_at": None
            if draw.random() < 0.2
            else NOW + timedelta(minutes=draw.randint(-600, 900)),
        }
        for i in range(15)
    ]
    refs = [o["ref"] for o in orders] + ["SO-NOT-ON-FILE", None, None]
    # Lanes 20-24 stay empty; the others get from none to many units, staged or not.
    codes = [loc["code"] for loc in locations if loc["code"] < "L-20"] + [None]
    units = []
    for n in range(400):
        state = draw.choice(
            [UnitState.STAGED] * 5 + [UnitState.STORED, UnitState.ISSUED, UnitState.LOADED]
        )
        units.append(
            {
                "code": f"U{n:04d}",
                "item": f"FG-{n % 9}",
                "quantity": draw.randint(1, 60),
                "quality": "released",
                "state": state.value,
                "location": draw.choice(codes),
                "order_ref": draw.choice(refs),
                "staged_at": None
                if draw.random() < 0.05
                else NOW
                - timedelta(
                    seconds=draw.randint(0, 48 * 3600), microseconds=draw.randint(0, 999_999)
                ),
                "version": 1,
            }
        )
    with store.write() as session:
        conn = session.connection()
        conn.execute(
            insert(LOCATIONS), [{"name": None, "work_order": None, **loc} for loc in locations]
        )
        conn.execute(
            insert(ORDERS),
            [{"customer": None, "route": None, "carrier": None, **o} for o in orders],
        )
        conn.execute(insert(UNITS), units)
    return locations, orders, units


def counted(
    locations: list[dict], orders: list[dict], units: list[dict], kinds: set[str]
) -> dict[str, Figures]:  # type: ignore[type-arg]
    """Per location of `kinds`: its staged units counted one by one."""
    due_of = {o["ref"]: o["due_at"] for o in orders}
    figures = {}
    for loc in locations:
        if loc["kind"] not in kinds:
            continue
        staged = [
            u
            for u in units
            if u["location"] == loc["code"] and u["state"] == UnitState.STAGED.value
        ]
        times = [u["staged_at"] for u in staged if u["staged_at"] is not None]
        dues = [due_of[u["order_ref"]] for u in staged if due_of.get(u["order_ref"]) is not None]
        figures[loc["code"]] = Figures(
            len(staged),
            sum(u["quantity"] for u in staged),
            min(times, default=None),
            min(dues, default=None),
        )
    return figures


@pytest.mark.parametrize("seed", [4, 8])
def test_lane_figures_are_the_units_counted_one_by_one(store: Store, seed: int) -> None:
    locations, orders, units = random_site(store, seed)
    for kinds in [(LocationKind.LANE,), queries.STAGING_KINDS_TUPLE]:
        expected = counted(locations, orders, units, {k.value for k in kinds})
        assert sum(f.units for f in expected.values()) > 100  # the site is not trivially empty
        with store.read() as session:
            rows = queries.lane_rows(session, kinds)
        assert [row.lane.code for row in rows] == sorted(expected)
        found = {
            row.lane.code: Figures(row.units, row.quantity, row.oldest_staged_at, row.earliest_due)
            for row in rows
        }
        assert found == expected
        by_code = {loc["code"]: loc for loc in locations}
        for row in rows:
            loc = by_code[row.lane.code]
            assert (row.lane.kind.value, row.lane.customer, row.lane.route, row.lane.capacity) == (
                loc["kind"],
                loc["customer"],
                loc["route"],
                loc["capacity"],
            )


@pytest.mark.parametrize("by", ["customer", "route"])
def test_the_queue_shows_the_counted_figures_in_group_order(store: Store, by: str) -> None:
    locations, orders, units = random_site(store, 15)
    expected = counted(locations, orders, units, {LocationKind.LANE.value})
    lanes = {loc["code"]: loc for loc in locations if loc["kind"] == LocationKind.LANE.value}
    queue = Site(store, clock=lambda: FIXED_NOW).views.queue(by)
    assert [q.lane.code for q in queue] == sorted(lanes, key=lambda c: (lanes[c].get(by) or "~", c))
    for q in queue:
        want, lane = expected[q.lane.code], lanes[q.lane.code]
        assert q.as_json() == {
            "lane": q.lane.code,
            "customer": lane["customer"],
            "route": lane["route"],
            "carrier": lane["carrier"],
            "units": want.units,
            "quantity": want.quantity,
            "capacity": lane["capacity"],
            "oldest_dwell_s": dwell_seconds(want.oldest, FIXED_NOW),
        }
        assert q.earliest_due == want.due
        assert q.capacity_use == (want.units / lane["capacity"] if lane["capacity"] else None)


def test_a_lane_edited_after_a_read_shows_its_new_values(store: Store) -> None:
    # The lane query keeps the Location objects it built; an edit must not show the old one.
    random_site(store, 16)
    with store.read() as session:
        before = {row.lane.code: row.lane for row in queries.lane_rows(session)}
    with store.write() as session:
        session.connection().execute(
            LOCATIONS.update()
            .where(LOCATIONS.c.code == "L-03")
            .values(customer="ZETA", capacity=99)
        )
    with store.read() as session:
        after = {row.lane.code: row.lane for row in queries.lane_rows(session)}
    assert (after["L-03"].customer, after["L-03"].capacity) == ("ZETA", 99)
    assert before["L-03"] != after["L-03"]
    assert all(after[code] == lane for code, lane in before.items() if code != "L-03")
