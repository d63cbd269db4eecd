"""What leads watch: lane queues, lane detail, a unit's history, kitting progress, buffers,
staging health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from stageterm.domain.metrics import dwell_seconds, percentile
from stageterm.domain.model import Event, Location, Operator, Order, Unit
from stageterm.domain.suggest import LaneCount, ranked_lanes, wants_a_lane
from stageterm.services.station import Station
from stageterm.services.wip import BufferQueue, buffer_queues
from stageterm.store import floor_queries, queries
from stageterm.store import tasks as task_reads
from stageterm.store.tasks import Task

if TYPE_CHECKING:
    from sqlmodel import Session

GROUP_KEYS = ("customer", "route", "carrier")  # the board's toggle cycles in this order


@dataclass(frozen=True, slots=True)
class LaneQueue:
    lane: Location
    units: int
    quantity: int
    oldest_dwell_s: int | None
    earliest_due: datetime | None

    @property
    def capacity_use(self) -> float | None:
        return self.units / self.lane.capacity if self.lane.capacity else None

    def as_json(self) -> dict[str, Any]:
        return {
            "lane": self.lane.code,
            "customer": self.lane.customer,
            "route": self.lane.route,
            "carrier": self.lane.carrier,
            "units": self.units,
            "quantity": self.quantity,
            "capacity": self.lane.capacity,
            "oldest_dwell_s": self.oldest_dwell_s,
        }


@dataclass(frozen=True, slots=True)
class Resolved:
    location: Location | None
    units: list[Unit]
    operator: Operator | None


@dataclass(frozen=True, slots=True)
class StagedUnit:
    unit: Unit
    dwell_s: int | None
    order: Order | None


@dataclass(frozen=True, slots=True)
class UnitDetail:
    unit: Unit
    location: Location | None
    order: Order | None
    history: list[Event]
    dwell_s: int | None


@dataclass(frozen=True, slots=True)
class KitLine:
    item: str
    required: int
    staged: int
    stored_at: tuple[str, ...] = ()  # where released units of a short item are stored

    @property
    def short(self) -> int:
        return max(0, self.required - self.staged)


@dataclass(frozen=True, slots=True)
class KitProgress:
    order: Order
    areas: list[str]
    lines: list[KitLine]

    @property
    def complete(self) -> bool:
        return all(line.short == 0 for line in self.lines)


@dataclass(frozen=True, slots=True)
class Health:
    staged_units: int
    over_threshold: int
    threshold_s: int
    dwell_by_lane: dict[str, tuple[float | None, float | None]]  # lane -> (p50, p90)


TOUCHED_MOST = 1000  # more events since a board's last read: it reads every lane again


@dataclass(frozen=True, slots=True)
class LaneFigures:
    """The lanes' figures as read at `mark` (None: not to be read again in part)."""

    mark: queries.ChangeMark | None
    rows: tuple[queries.LaneRow, ...]  # in lane code order


class Views:
    """Reads only: what terminals and commands show."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.store = station.store

    def now(self) -> datetime:
        return self.station.now()

    def lane_figures(self, since: LaneFigures | None = None) -> LaneFigures:
        """Every lane's figures (units, quantity, oldest, earliest due). Given the figures
        of an earlier read, only the lanes that events since then touched are read again
        (on SQLite, whose writes commit in the order of their events; while master data is
        unchanged; up to `TOUCHED_MOST` events): a board's refresh at 500 lanes reads a few
        lanes instead of 20,000 units."""
        with self.store.read() as session:
            return self._lane_figures(session, since)

    def board(self, since: LaneFigures | None = None) -> tuple[LaneFigures, dict[str, int]]:
        """The lanes board's read: the lanes' figures (as `lane_figures`) and the open tasks
        per lane, in one read."""
        with self.store.read() as session:
            figures = self._lane_figures(session, since)
            return figures, task_reads.open_counts_by_lane(session)

    def _lane_figures(self, session: Session, since: LaneFigures | None) -> LaneFigures:
        sqlite = self.store.is_sqlite
        mark = queries.change_mark(session)  # first: what follows is at least this new
        old = since.mark if since is not None else None
        if since is not None and old is not None and sqlite and old.master == mark.master:
            if old.seq == mark.seq:
                return since
            places = (  # a mark older than the last read: another database, a full read
                queries.places_touched_since(session, old.seq, TOUCHED_MOST)
                if old.seq < mark.seq
                else None
            )
            if places is not None:
                lanes = {row.lane.code for row in since.rows}
                fresh = queries.lane_rows(session, lanes=places & lanes) if places else []
                again = {row.lane.code: row for row in fresh}
                rows = tuple(again.get(row.lane.code, row) for row in since.rows)
                return LaneFigures(mark, rows)
        return LaneFigures(mark if sqlite else None, tuple(queries.lane_rows(session)))

    def queue(self, by: str = "route", figures: LaneFigures | None = None) -> list[LaneQueue]:
        """Lanes with what waits in them, ordered by the grouping key then lane (from
        `figures` when given, else read now)."""
        if by not in GROUP_KEYS:
            raise ValueError(f"group by {by!r}: use customer, route or carrier")
        now = self.now()
        if figures is not None:
            rows = list(figures.rows)
        else:
            with self.store.read() as session:
                rows = queries.lane_rows(session)
        lanes = [
            LaneQueue(
                row.lane,
                row.units,
                row.quantity,
                dwell_seconds(row.oldest_staged_at, now),
                row.earliest_due,
            )
            for row in rows
        ]
        lanes.sort(key=lambda q: (getattr(q.lane, by) or "~", q.lane.code))
        return lanes

    def lane(self, code: str) -> tuple[Location, list[StagedUnit]] | None:
        now = self.now()
        with self.store.read() as session:
            location = queries.location(session, code)
            if location is None:
                return None
            units = queries.units_in(session, code)
            orders = queries.orders_by_ref(session, {u.order for u in units if u.order})
        return location, [
            StagedUnit(u, dwell_seconds(u.staged_at, now), orders.get(u.order or "")) for u in units
        ]

    def unit_detail(self, code: str) -> UnitDetail | None:
        with self.store.read() as session:
            unit = queries.unit(session, code)
            if unit is None:
                return None
            location = queries.location(session, unit.location) if unit.location else None
            return UnitDetail(
                unit=unit,
                location=location,
                order=queries.order(session, unit.order),
                history=queries.history(session, code),
                dwell_s=dwell_seconds(unit.staged_at, self.now()),
            )

    def kitting(self) -> list[KitProgress]:
        """Work orders: per line, what is required and what is staged (or issued) for it."""
        with self.store.read() as session:
            areas = queries.kitting_areas(session)
            progress = []
            for order in queries.production_orders(session):
                lines = []
                for line in order.lines:
                    staged = queries.kit_quantity(session, order.ref, line.item)
                    # A shortfall says where to fetch the item (SPEC §3), fullest first.
                    where = (
                        tuple(floor_queries.stored_at(session, line.item))
                        if staged < line.quantity
                        else ()
                    )
                    lines.append(KitLine(line.item, line.quantity, staged, where))
                names = [a.code for a in areas if a.work_order == order.ref]
                progress.append(KitProgress(order, names, lines))
        return progress

    def buffers(self) -> list[BufferQueue]:
        """Work in process: each buffer's units oldest first, with dwell (services/wip.py)."""
        return buffer_queues(self.store, self.now())

    def health(self, threshold_s: int = 4 * 3600) -> Health:
        now = self.now()
        with self.store.read() as session:
            rows = queries.lane_rows(session, kinds=queries.STAGING_KINDS_TUPLE)
            units = [
                (row.lane.code, u)
                for row in rows
                if row.units
                for u in queries.units_in(session, row.lane.code)
            ]
        dwell: dict[str, list[float]] = {}
        over = 0
        for lane, unit in units:
            seconds = dwell_seconds(unit.staged_at, now) or 0
            dwell.setdefault(lane, []).append(seconds)
            over += seconds > threshold_s
        return Health(
            staged_units=len(units),
            over_threshold=over,
            threshold_s=threshold_s,
            dwell_by_lane={
                lane: (percentile(v, 50), percentile(v, 90)) for lane, v in dwell.items()
            },
        )

    def unit(self, code: str) -> Unit | None:
        with self.store.read() as session:
            return queries.unit(session, code)

    def location(self, code: str) -> Location | None:
        with self.store.read() as session:
            return queries.location(session, code)

    def find_units(
        self,
        *,
        sscc: str | None = None,
        gtin: str | None = None,
        lot: str | None = None,
        serial: str | None = None,
        code: str | None = None,
    ) -> list[Unit]:
        """Units a scanned label names: by SSCC, else GTIN + lot (+ serial), else code."""
        with self.store.read() as session:
            return queries.units_matching(
                session, sscc=sscc, gtin=gtin, lot=lot, serial=serial, code=code
            )

    def resolve(self, code: str) -> Resolved:
        """What a plain scanned code names: a location, units, an operator badge (one read)."""
        with self.store.read() as session:
            location = queries.location(session, code)
            units = [] if location else queries.units_matching(session, code=code)
            person = None if location or units else queries.operator(session, code)
        return Resolved(location, units, person)

    def audit(self, *, since: datetime | None = None, operator: str | None = None) -> list[Event]:
        with self.store.read() as session:
            return queries.audit_events(session, since=since, operator=operator)

    def suggest(self, code: str) -> Suggestion | None:
        """Lanes unit `code` should go to, best first (None when no such unit)."""
        return suggestion(self, code)

    def tasks(self) -> list[Task]:
        """Open re-coordination tasks, oldest first (SPEC §6a): `stageterm tasks`, health."""
        with self.station.store.read() as session:
            return task_reads.open_tasks(session)

    def task_counts(self) -> dict[str, int]:
        """Open tasks per lane, for the lanes board's marker."""
        with self.station.store.read() as session:
            return task_reads.open_counts_by_lane(session)

    def change_counter(self) -> int:
        with self.store.read() as session:
            return queries.change_counter(session)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Where a unit should go: its open outbound order's lanes with room, best first."""

    unit: Unit
    order: Order | None
    lanes: tuple[LaneCount, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit.code,
            "order": self.unit.order,
            "lanes": [
                {
                    "lane": c.lane.code,
                    "customer": c.lane.customer,
                    "route": c.lane.route,
                    "units": c.units,
                    "capacity": c.lane.capacity,
                    "same_order_units": c.same_order_units,
                }
                for c in self.lanes
            ],
        }


def suggestion(views: Views, code: str) -> Suggestion | None:
    """Where unit `code` should go (None: no such unit). One read."""
    with views.store.read() as session:
        unit = queries.unit(session, code)
        if unit is None:
            return None
        order = queries.order(session, unit.order)
        if not wants_a_lane(order):
            return Suggestion(unit, order, ())
        counts = floor_queries.lane_counts(session, unit.order)
    return Suggestion(unit, order, ranked_lanes(order, counts))
