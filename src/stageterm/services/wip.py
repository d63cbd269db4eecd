"""Work in process between operations (SPEC §2, §8): each buffer with what waits in it,
oldest first, its dwell and its kanban capacity use. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stageterm.domain.metrics import dwell_seconds
from stageterm.domain.model import Location, LocationKind, Unit
from stageterm.store import queries
from stageterm.store.engine import Store


@dataclass(frozen=True, slots=True)
class WaitingUnit:
    unit: Unit
    dwell_s: int | None


@dataclass(frozen=True, slots=True)
class BufferQueue:
    """One buffer: the operation it feeds and its units, first in first (FIFO issue)."""

    buffer: Location
    units: tuple[WaitingUnit, ...]

    @property
    def oldest_dwell_s(self) -> int | None:
        return self.units[0].dwell_s if self.units else None

    @property
    def quantity(self) -> int:
        return sum(w.unit.quantity for w in self.units)


def buffer_queues(store: Store, now: datetime) -> list[BufferQueue]:
    """Every buffer, by the operation it feeds then code; units oldest first. One read."""
    with store.read() as session:
        buffers = [b for b in queries.all_locations(session) if b.kind is LocationKind.BUFFER]
        staged = {b.code: queries.units_in(session, b.code) for b in buffers}
    buffers.sort(key=lambda b: (b.operation or "~", b.code))
    return [
        BufferQueue(
            b,
            tuple(WaitingUnit(u, dwell_seconds(u.staged_at, now)) for u in staged[b.code]),
        )
        for b in buffers
    ]
