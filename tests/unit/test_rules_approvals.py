"""One approval covers exactly what the lead was shown (SPEC §3): every approval rule that
applies, in SPEC order, named in one message; a refusal decides alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from stageterm.domain.model import (
    Location,
    LocationKind,
    Order,
    Quality,
    Role,
    Unit,
    UnitState,
)
from stageterm.domain.rules import (
    ALREADY_THERE,
    APPROVAL_ORDER,
    Action,
    Allowed,
    NeedsApproval,
    Refused,
    SiteFacts,
    judge,
)
from unit.rules_floor import (
    BUFFER,
    BUFFER_FREE,
    COMPONENT,
    DOCK_ANY,
    DOCK_N,
    DOCK_S,
    KIT,
    KIT_FREE,
    LANE_ACME,
    LANE_ACME_N,
    LANE_NORTH,
    LANE_OPEN,
    LINE,
    NOW,
    OTHER_STORAGE,
    QUARANTINE,
    SO_ACME_N,
    SO_ACME_S,
    SO_BOLT_N,
    STORAGE,
    TODAY,
    UNIT,
    WO,
)

# -- combinations, one by one --------------------------------------------------------------

WRONG_AND_FULL = SiteFacts(order=SO_BOLT_N, units_in_target=4)


@pytest.mark.parametrize(
    ("unit", "target", "facts", "codes", "words"),
    [
        pytest.param(
            UNIT, LANE_ACME_N, WRONG_AND_FULL, ("wrong-lane", "over-capacity"), ["BOLT", "4/4"]
        ),
        pytest.param(
            UNIT,
            LANE_NORTH,
            SiteFacts(order=SO_ACME_S, earlier_expiry_unit="U-0"),
            ("wrong-lane", "fefo-skip"),
            ["SOUTH", "U-0"],
        ),
        pytest.param(
            UNIT,
            LANE_ACME_N,
            SiteFacts(order=SO_ACME_N, units_in_target=9, earlier_expiry_unit="U-0"),
            ("over-capacity", "fefo-skip"),
            ["9/4", "U-0"],
        ),
        pytest.param(
            UNIT,
            LANE_ACME_N,
            replace(WRONG_AND_FULL, earlier_expiry_unit="U-0"),
            ("wrong-lane", "over-capacity", "fefo-skip"),
            ["BOLT", "4/4", "U-0"],
        ),
        pytest.param(
            replace(COMPONENT, item="C-9"),
            KIT,
            SiteFacts(work_order=WO, earlier_expiry_unit="C-0"),
            ("fefo-skip", "not-on-kit"),
            ["C-0", "C-9", "WO-1"],
        ),
        pytest.param(
            COMPONENT,
            KIT,
            SiteFacts(work_order=WO, kit_staged=50, earlier_expiry_unit="C-0"),
            ("fefo-skip", "over-kit"),
            ["C-0", "50+30"],
        ),
    ],
)
def test_every_approval_rule_that_applies_is_named(
    unit: Unit, target: Location, facts: SiteFacts, codes: tuple[str, ...], words: list[str]
) -> None:
    verdict = judge(unit, target, facts, NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.codes == codes
    assert verdict.code == codes[0]  # callers that know one code see the first
    assert verdict.role is Role.LEAD
    assert len(verdict.reasons) == len(codes)
    for word in words:
        assert word in verdict.message


def test_a_refusal_decides_alone_whatever_approvals_would_apply() -> None:
    facts = replace(WRONG_AND_FULL, earlier_expiry_unit="U-0")
    held = judge(replace(UNIT, quality=Quality.HOLD), LANE_ACME_N, facts, NOW)
    assert held == Refused("not-released", "Unit U-1 is on hold, not released.")


def test_an_approval_names_at_least_one_rule_as_a_tuple() -> None:
    with pytest.raises(ValueError):
        NeedsApproval(codes=(), message="")
    with pytest.raises(TypeError):
        NeedsApproval("wrong-lane", "Lane L-1 is for ACME.")  # type: ignore[arg-type]


def test_a_buffer_is_never_a_wrong_lane_or_fefo_skip() -> None:
    facts = SiteFacts(order=SO_BOLT_N, units_in_target=3, earlier_expiry_unit="U-0")
    verdict = judge(UNIT, BUFFER, facts, NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.codes == ("over-capacity",)


# -- every combination: Hypothesis over units, targets and facts -----------------------------

LOCATIONS = [
    STORAGE,
    OTHER_STORAGE,
    LANE_ACME_N,
    LANE_NORTH,
    LANE_ACME,
    LANE_OPEN,
    KIT,
    KIT_FREE,
    BUFFER,
    BUFFER_FREE,
    DOCK_N,
    DOCK_S,
    DOCK_ANY,
    LINE,
    QUARANTINE,
]
ORDERS = [None, SO_ACME_N, SO_ACME_S, SO_BOLT_N]
REFUSALS = {"unknown-unit", "unknown-location", "closed-unit", "not-a-target"}
REFUSALS |= {"not-released", "expired", "route-mismatch"}
_NOT_TARGETS = (LocationKind.DOCK, LocationKind.LINE, LocationKind.QUARANTINE)

units = st.builds(
    Unit,
    code=st.just("U-1"),
    item=st.sampled_from(["FG-1", "C-1", "C-2", "C-9"]),
    quantity=st.integers(1, 60),
    # Weighted toward usable units so that most examples reach the approval rules.
    quality=st.sampled_from([Quality.RELEASED] * 3 + list(Quality)),
    state=st.sampled_from([UnitState.STORED] * 3 + list(UnitState)),
    location=st.sampled_from([None, *(loc.code for loc in LOCATIONS)]),
    expiry=st.sampled_from([None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=30)]),
)
facts = st.builds(
    SiteFacts,
    order=st.sampled_from(ORDERS),
    work_order=st.sampled_from([None, WO]),
    units_in_target=st.integers(0, 6),
    earlier_expiry_unit=st.sampled_from([None, "U-0"]),
    kit_staged=st.integers(0, 60),
    current_location=st.sampled_from([None, *LOCATIONS]),
    suggested=st.sampled_from([(), ("L-1",), ("L-3", "L-1")]),
)


def approvals_that_apply(unit: Unit, target: Location, facts: SiteFacts) -> set[str]:
    """SPEC §3's table, read rule by rule, for a move that nothing refuses."""
    found = set()
    order: Order | None = facts.order
    if target.kind is LocationKind.LANE:
        if order is None:
            wrong = bool(target.customer or target.route)
        else:
            wrong = bool(target.customer and target.customer != order.customer) or bool(
                target.route and target.route != order.route
            )
        if wrong:
            found.add("wrong-lane")
    capacity = target.capacity if target.kind in (LocationKind.LANE, LocationKind.BUFFER) else None
    if capacity is not None and facts.units_in_target >= capacity:
        found.add("over-capacity")
    if target.kind in (LocationKind.LANE, LocationKind.KITTING) and facts.earlier_expiry_unit:
        found.add("fefo-skip")
    if target.kind is LocationKind.KITTING and facts.work_order is not None:
        required = facts.work_order.required(unit.item)
        if required is None:
            found.add("not-on-kit")
        elif facts.kit_staged + unit.quantity > required:
            found.add("over-kit")
    return found


@given(
    unit=units,
    target=st.sampled_from([None, *LOCATIONS]),
    facts=facts,
    action=st.sampled_from(Action),
)
def test_a_refusal_or_a_double_scan_never_reaches_a_lead(
    unit: Unit, target: Location | None, facts: SiteFacts, action: Action
) -> None:
    verdict = judge(unit, target, facts, NOW, action=action, target_code="X-404")
    event(str(verdict.code))
    if isinstance(verdict, Refused):
        assert verdict.code in REFUSALS
        return
    assert target is not None
    if unit.location == target.code:
        assert verdict == Allowed(ALREADY_THERE)  # a double scan, never a question for a lead
        return
    # Whatever was not refused is usable: released, unexpired, open.
    assert unit.quality is Quality.RELEASED and not unit.is_closed
    assert unit.expiry is None or unit.expiry >= TODAY


USABLE = units.map(lambda unit: replace(unit, quality=Quality.RELEASED, expiry=None))
MOVE_TARGETS = [loc for loc in LOCATIONS if loc.kind not in _NOT_TARGETS]


@given(unit=USABLE, target=st.sampled_from(MOVE_TARGETS), facts=facts)
def test_every_approval_that_applies_is_collected_in_spec_order(
    unit: Unit, target: Location, facts: SiteFacts
) -> None:
    verdict = judge(replace(unit, state=UnitState.STORED), target, facts, NOW)
    expected = set() if unit.location == target.code else approvals_that_apply(unit, target, facts)
    event(f"{len(expected)} approval rules")
    if isinstance(verdict, NeedsApproval):
        assert list(verdict.codes) == [code for code in APPROVAL_ORDER if code in expected]
        assert verdict.code == verdict.codes[0]
        assert verdict.role is Role.LEAD
        assert verdict.message == " ".join(verdict.reasons)
        assert len(verdict.reasons) == len(verdict.codes)
    else:
        assert isinstance(verdict, Allowed)
        assert expected == set()


@given(unit=units, target=st.sampled_from(LOCATIONS), facts=facts)
def test_an_unreleased_unit_is_refused_never_sent_to_a_lead(
    unit: Unit, target: Location, facts: SiteFacts
) -> None:
    held = replace(unit, quality=Quality.HOLD)
    verdict = judge(held, target, facts, NOW)
    assert not isinstance(verdict, NeedsApproval)
    if isinstance(verdict, Allowed):
        assert verdict.code == ALREADY_THERE


@given(unit=units, facts=facts, action=st.sampled_from(Action))
def test_already_there_never_needs_approval(unit: Unit, facts: SiteFacts, action: Action) -> None:
    here = next((loc for loc in LOCATIONS if loc.code == unit.location), LANE_ACME_N)
    verdict = judge(replace(unit, location=here.code), here, facts, NOW, action=action)
    assert not isinstance(verdict, NeedsApproval)
