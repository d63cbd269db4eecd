"""The GS1 Core Business Vocabulary (CBV 2.0) words we use, and which event means which.

EPCIS's JSON schema accepts any URI as a bizStep or disposition, so a typo would pass
validation and mean nothing upstream. The two lists below are the standard's own
(CBV 2.0, sections 7.1 and 7.2, bare-word form used in EPCIS 2.0 JSON-LD); the tests check
that every step we produce is in them.

`step_for` is the one place that decides what an event means to upstream. The table in
docs/sync.md is the same decisions in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from stageterm.domain.model import Event, EventType, LocationKind, Quality, UnitState

BIZ_STEPS = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    }
)

DISPOSITIONS = frozenset(
    {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    }
)

ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})


@dataclass(frozen=True, slots=True)
class Step:
    """What an event means upstream: EPCIS action, CBV business step and disposition."""

    biz_step: str
    disposition: str
    action: str = "OBSERVE"


# Every event of ours observes a unit that already exists in upstream's eyes (it was received
# or split before), so the action is always OBSERVE: ADD would tell an ERP that quantity
# came into being, which a move never does.
STAGED_OUTBOUND = Step("staging_outbound", "in_progress")
PICKED_FOR_KIT = Step("picking", "in_progress")
STORED = Step("storing", "available")
LOADED = Step("loading", "in_progress")
# CBV 2.0 has no "consuming" step. An issue hands the component to the work order's
# production, which combines it into the finished product: that is `assembling`, and the
# component is now work in process (`in_progress`); the prodorder transaction names the
# order that consumed it.
ISSUED = Step("assembling", "in_progress")
HELD = Step("holding", "non_conformant")
RELEASED = Step("inspecting", "conformant")
# A split takes part of a unit for a kit: a pick of that quantity.
SPLIT = Step("picking", "in_progress")

_HELD_QUALITIES = frozenset({Quality.HOLD, Quality.QUARANTINE, Quality.REJECTED})


def step_for(event: Event, target_kind: LocationKind | None) -> Step:
    """The CBV meaning of `event`; `target_kind` is the kind of its `to_location`, if known.

    Receive events are never sent upstream (they load master data), so they have no step.
    """
    kind = event.type
    if kind is EventType.RECEIVE:
        raise ValueError("receive events are not sent upstream")
    if kind is EventType.HOLD:
        return HELD
    if kind is EventType.RELEASE:
        return RELEASED
    if kind is EventType.LOAD:
        return LOADED
    if kind is EventType.ISSUE:
        return ISSUED
    if kind is EventType.SPLIT:
        return SPLIT
    if kind is EventType.UNDO:
        return _undo_step(event, target_kind)
    return _placement_step(event.to_state, target_kind)


def _placement_step(state: UnitState | None, target_kind: LocationKind | None) -> Step:
    """Stage, move and unstage mean what the place they end in is for."""
    if target_kind is LocationKind.KITTING:
        return PICKED_FOR_KIT
    if target_kind is LocationKind.LANE:
        return STAGED_OUTBOUND
    if target_kind is LocationKind.DOCK or state is UnitState.LOADED:
        return LOADED
    if target_kind is None and state is UnitState.STAGED:
        return STAGED_OUTBOUND
    return STORED


def _undo_step(event: Event, target_kind: LocationKind | None) -> Step:
    """An undo is a corrective event: it says what the unit is after it, like any other.

    It restores the state before the undone event, so it means whatever event would have
    produced that state: undoing a hold is a release, undoing a stage is a storing, undoing
    an issue puts the unit back in its kitting area.
    """
    if event.to_quality is not None and event.to_quality != event.from_quality:
        return HELD if event.to_quality in _HELD_QUALITIES else RELEASED
    return _placement_step(event.to_state, target_kind)
