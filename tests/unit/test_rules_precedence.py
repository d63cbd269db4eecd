"""The order of SPEC §3: the first refusal decides; approval rules are all collected, in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from stageterm.domain.model import Location, Quality, Unit, UnitState
from stageterm.domain.rules import (
    ALREADY_THERE,
    Action,
    NeedsApproval,
    SiteFacts,
    judge,
)
from unit.rules_floor import (
    COMPONENT,
    DOCK_S,
    FACTS,
    KIT,
    LANE_ACME_N,
    LANE_NORTH,
    LINE,
    NOW,
    QUARANTINE,
    SO_ACME_S,
    TODAY,
    UNIT,
    WO,
    staged,
)

# -- precedence: the first rule in SPEC §3's order decides ---------------------------------

EXPIRED = replace(UNIT, expiry=TODAY - timedelta(days=5))
HELD = replace(UNIT, quality=Quality.HOLD)
FULL = replace(FACTS, units_in_target=99)


@pytest.mark.parametrize(
    ("unit", "target", "facts", "kwargs", "expected"),
    [
        pytest.param(
            None, None, SiteFacts(), {}, "unknown-unit", id="unknown-unit>unknown-location"
        ),
        pytest.param(
            replace(UNIT, state=UnitState.LOADED),
            None,
            FACTS,
            {},
            "unknown-location",
            id="unknown-location>closed",
        ),
        pytest.param(
            replace(UNIT, state=UnitState.ISSUED),
            LINE,
            FACTS,
            {},
            "closed-unit",
            id="closed>not-a-target",
        ),
        pytest.param(
            replace(UNIT, location="Q-01", quality=Quality.QUARANTINE),
            QUARANTINE,
            FACTS,
            {},
            "not-a-target",
            id="not-a-target>already-there",
        ),
        pytest.param(
            replace(
                staged(UNIT, LANE_ACME_N), quality=Quality.HOLD, expiry=TODAY - timedelta(days=1)
            ),
            LANE_ACME_N,
            FULL,
            {},
            ALREADY_THERE,
            id="already-there>not-released",
        ),
        pytest.param(
            replace(HELD, expiry=TODAY - timedelta(days=1)),
            LANE_ACME_N,
            FACTS,
            {},
            "not-released",
            id="not-released>expired",
        ),
        pytest.param(
            staged(EXPIRED, LANE_ACME_N),
            DOCK_S,
            replace(FACTS, current_location=LANE_ACME_N),
            {"action": Action.LOAD},
            "expired",
            id="expired>route-mismatch",
        ),
        pytest.param(
            staged(HELD, LANE_ACME_N),
            DOCK_S,
            replace(FACTS, current_location=LANE_ACME_N),
            {"action": Action.LOAD},
            "not-released",
            id="not-released>route-mismatch",
        ),
        pytest.param(
            EXPIRED, LANE_NORTH, SiteFacts(order=SO_ACME_S), {}, "expired", id="expired>wrong-lane"
        ),
    ],
)
def test_precedence(
    unit: Unit | None,
    target: Location | None,
    facts: SiteFacts,
    kwargs: dict[str, object],
    expected: str,
) -> None:
    verdict = judge(unit, target, facts, NOW, **kwargs)  # type: ignore[arg-type]
    assert verdict.code == expected


def test_not_on_kit_rather_than_over_kit() -> None:
    # An item missing from the work order is "not on kit", whatever is already staged:
    # the lead is not also told it is over a quantity the order never asked for.
    unit = replace(COMPONENT, item="C-9", quantity=1000)
    verdict = judge(unit, KIT, SiteFacts(work_order=WO, kit_staged=10_000), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert verdict.codes == ("not-on-kit",)


# Approval rules together: see test_rules_approvals.py (all collected, in SPEC order).
