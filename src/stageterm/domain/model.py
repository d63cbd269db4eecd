"""The things on the floor: locations, units, orders, operators and the events between them.

Pure standard library. Frozen dataclasses that the store converts its rows into and
that the rules, metrics and projection work on.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class LocationKind(StrEnum):
    STORAGE = "storage"
    LANE = "lane"
    KITTING = "kitting"
    BUFFER = "buffer"  # work in process waiting between two operations
    DOCK = "dock"
    LINE = "line"
    QUARANTINE = "quarantine"


class Quality(StrEnum):
    RELEASED = "released"
    QUARANTINE = "quarantine"
    HOLD = "hold"
    REJECTED = "rejected"


class UnitState(StrEnum):
    STORED = "stored"
    STAGED = "staged"
    ISSUED = "issued"
    LOADED = "loaded"


class OrderKind(StrEnum):
    OUTBOUND = "outbound"
    PRODUCTION = "production"


class OrderStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    DONE = "done"


class EventType(StrEnum):
    STAGE = "stage"
    MOVE = "move"
    UNSTAGE = "unstage"
    ISSUE = "issue"
    LOAD = "load"
    HOLD = "hold"
    RELEASE = "release"
    RECEIVE = "receive"
    SPLIT = "split"
    UNDO = "undo"


class Role(StrEnum):
    OPERATOR = "operator"
    LEAD = "lead"
    QUALITY = "quality"
    ADMIN = "admin"


class SyncState(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    REJECTED = "rejected"
    LOCAL = "local"  # never sent upstream (receive events)


# Where a unit is staged: these kinds hold staged material (state `staged`) and count
# toward dwell. Buffers are staging too: WIP waiting for its next operation is staged
# inventory whose dwell a site wants to see. Which rules apply to a move into each kind
# (FEFO for lanes and kitting only, capacity for lanes and buffers) is decided in
# `rules`, not by this set.
STAGING_KINDS = frozenset({LocationKind.LANE, LocationKind.KITTING, LocationKind.BUFFER})
# Where a move may end (loading goes through `load`, issuing through `issue`).
MOVE_TARGET_KINDS = frozenset(
    {LocationKind.LANE, LocationKind.KITTING, LocationKind.BUFFER, LocationKind.STORAGE}
)
CLOSED_STATES = frozenset({UnitState.ISSUED, UnitState.LOADED})


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    kind: LocationKind
    name: str | None = None
    customer: str | None = None
    route: str | None = None
    carrier: str | None = None
    capacity: int | None = None
    work_order: str | None = None
    operation: str | None = None  # buffers: the operation the buffer feeds

    @property
    def is_staging(self) -> bool:
        """Material moved here is staged (lane, kitting area, buffer), not stored."""
        return self.kind in STAGING_KINDS


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    item: str
    quantity: int
    quality: Quality = Quality.RELEASED
    state: UnitState = UnitState.STORED
    location: str | None = None
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    sscc: str | None = None
    uom: str | None = None
    expiry: date | None = None
    order: str | None = None
    staged_at: datetime | None = None
    version: int = 0
    parent: str | None = None

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES


@dataclass(frozen=True, slots=True)
class OrderLine:
    item: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Order:
    ref: str
    kind: OrderKind
    customer: str | None = None
    route: str | None = None
    carrier: str | None = None
    due_at: datetime | None = None
    lines: tuple[OrderLine, ...] = ()
    status: OrderStatus = OrderStatus.OPEN

    def required(self, item: str) -> int | None:
        """Quantity of `item` the order asks for, None when the item is not on it."""
        found = [line.quantity for line in self.lines if line.item == item]
        return sum(found) if found else None


@dataclass(frozen=True, slots=True)
class Operator:
    badge: str
    name: str
    role: Role
    pin_hash: str | None = None

    def may_approve(self) -> bool:
        return self.role in (Role.LEAD, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to one unit. Carries before and after so replay needs nothing else."""

    id: str
    type: EventType
    unit: str
    occurred_at: datetime  # aware; UTC offset of the terminal kept in the value
    operator: str | None = None
    terminal: str | None = None
    from_location: str | None = None
    to_location: str | None = None
    from_state: UnitState | None = None
    to_state: UnitState | None = None
    from_quality: Quality | None = None
    to_quality: Quality | None = None
    quantity: int | None = None
    approved_by: str | None = None
    reason: str | None = None
    undoes: str | None = None  # id of the event an undo reverses
    payload: dict[str, object] = field(
        default_factory=dict
    )  # receive: unit master data; split: child
    seq: int | None = None
    sync_state: SyncState = SyncState.PENDING
    overrides: tuple[str, ...] = ()  # the approval rule codes a lead approved
    # The facts the event was judged on, as they were then: what is sent upstream for it
    # never changes, whatever the master data says later (SPEC §2, §6).
    order: str | None = None
    customer: str | None = None
    route: str | None = None
    carrier: str | None = None
    work_order: str | None = None


# UUIDv7 with a counter (RFC 9562 §6.2, method 1): after the 48-bit millisecond timestamp,
# 42 bits (rand_a and the top 30 of rand_b) count the ids made in that millisecond. The
# counter starts at a random value with its top bit clear (so it has room to grow) each new
# millisecond and goes up by one within it; the last 32 bits stay random. Ids made in one
# process therefore sort exactly in the order they were made, even within a millisecond,
# and a clock that steps back does not make an id sort before an earlier one.
_COUNTER_BITS = 42
_COUNTER_MAX = (1 << _COUNTER_BITS) - 1
_id_lock = threading.Lock()
_last_ms = -1
_counter = 0


def new_event_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered and monotonic, so ids sort by creation like `seq` does."""
    global _last_ms, _counter
    tail = int.from_bytes(os.urandom(4), "big")
    with _id_lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(6), "big") >> (48 - _COUNTER_BITS + 1)
        else:
            # Same millisecond (or the clock stepped back): count on from the last id.
            _counter += 1
            if _counter > _COUNTER_MAX:
                # 2^41 ids in one millisecond: borrow the next millisecond (§6.2 allows it).
                _last_ms += 1
                _counter = 0
        ms, counter = _last_ms, _counter
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= (counter >> 30) << 64  # rand_a: the counter's top 12 bits
    value |= 0b10 << 62
    value |= (counter & ((1 << 30) - 1)) << 32  # rand_b: the counter's low 30 bits
    value |= tail
    return str(uuid.UUID(int=value))
