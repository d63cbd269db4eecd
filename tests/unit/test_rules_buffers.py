"""Buffers and issue (SPEC §3): a buffer takes released, unexpired units up to its kanban
limit; a unit leaves a kitting area or buffer by issue, FIFO per item in a buffer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from stageterm.domain.model import STAGING_KINDS, LocationKind, Quality, Role, Unit, UnitState
from stageterm.domain.rules import (
    NOT_ISSUABLE,
    Allowed,
    NeedsApproval,
    Refused,
    SiteFacts,
    judge,
    judge_issue,
)
from unit.rules_floor import (
    BUFFER,
    BUFFER_FREE,
    COMPONENT,
    KIT,
    KIT_FREE,
    LANE_OPEN,
    NOW,
    SO_BOLT_N,
    STORAGE,
    TODAY,
    WO,
    staged,
    verdict_code,
)

WIP = Unit("W-2", item="SHAFT-7", quantity=12, location="S-01", order=None)

# -- moves into a buffer ---------------------------------------------------------------------


def test_a_buffer_takes_a_released_unit_and_is_a_staging_place() -> None:
    assert judge(WIP, BUFFER, SiteFacts(units_in_target=2), NOW) == Allowed()
    assert LocationKind.BUFFER in STAGING_KINDS and BUFFER.is_staging


def test_a_full_buffer_needs_a_lead() -> None:
    verdict = judge(WIP, BUFFER, SiteFacts(units_in_target=3), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert (verdict.codes, verdict.role) == (("over-capacity",), Role.LEAD)
    assert verdict.message == "Buffer B-HT is full (3/3)."


def test_a_buffer_without_kanban_limit_is_never_full() -> None:
    assert judge(WIP, BUFFER_FREE, SiteFacts(units_in_target=500), NOW) == Allowed()


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        (replace(WIP, quality=Quality.HOLD), "not-released"),
        (replace(WIP, quality=Quality.QUARANTINE), "not-released"),
        (replace(WIP, expiry=TODAY - timedelta(days=1)), "expired"),
        (replace(WIP, state=UnitState.ISSUED), "closed-unit"),
    ],
)
def test_a_buffer_takes_only_released_unexpired_open_units(unit: Unit, code: str) -> None:
    assert verdict_code(judge(unit, BUFFER, SiteFacts(), NOW)) == code


def test_no_lane_or_kitting_rules_in_a_buffer() -> None:
    # An order for another customer, an earlier-expiring unit, a work order: none apply.
    unit = replace(WIP, order="SO-3")
    facts = SiteFacts(order=SO_BOLT_N, earlier_expiry_unit="W-0", work_order=WO, kit_staged=99)
    assert judge(unit, BUFFER, facts, NOW) == Allowed()


# -- issue -----------------------------------------------------------------------------------

EARLY = NOW - timedelta(hours=3)
IN_BUFFER = replace(staged(WIP, BUFFER), staged_at=NOW - timedelta(hours=1))
OLDER = replace(IN_BUFFER, code="W-1", staged_at=EARLY)


def test_the_oldest_unit_in_a_buffer_is_issued() -> None:
    assert judge_issue(OLDER, BUFFER, SiteFacts(older_in_buffer=OLDER), NOW) == Allowed()


def test_issuing_past_an_older_unit_of_the_item_needs_a_lead() -> None:
    verdict = judge_issue(IN_BUFFER, BUFFER, SiteFacts(older_in_buffer=OLDER), NOW)
    assert isinstance(verdict, NeedsApproval)
    assert (verdict.codes, verdict.role) == (("fifo-skip",), Role.LEAD)
    assert "W-1" in verdict.message and "B-HT" in verdict.message


@pytest.mark.parametrize(
    "other",
    [
        replace(OLDER, item="SHAFT-8"),  # another item is its own queue
        replace(OLDER, location="B-X"),  # waits in another buffer
        replace(OLDER, staged_at=IN_BUFFER.staged_at),  # staged together: neither is older
        replace(OLDER, staged_at=NOW),  # younger
    ],
)
def test_fifo_counts_only_older_units_of_the_item_in_that_buffer(other: Unit) -> None:
    assert judge_issue(IN_BUFFER, BUFFER, SiteFacts(older_in_buffer=other), NOW) == Allowed()


def test_fifo_is_for_buffers_not_kitting_areas() -> None:
    unit = staged(COMPONENT, KIT)
    older = replace(unit, code="C-0", staged_at=EARLY)
    assert judge_issue(unit, KIT, SiteFacts(older_in_buffer=older), NOW) == Allowed()


@pytest.mark.parametrize(
    ("unit", "area"),
    [
        (WIP, STORAGE),  # stored, not staged
        (staged(WIP, LANE_OPEN), LANE_OPEN),  # staged for shipping, not production
        (replace(WIP, location="B-HT"), BUFFER),  # there but not staged (a stale projection)
        (staged(WIP, BUFFER), None),  # nowhere known
        (staged(WIP, KIT_FREE), BUFFER),  # the area is not where the unit is
    ],
)
def test_only_units_staged_in_a_kitting_area_or_buffer_are_issued(unit: Unit, area: object) -> None:
    verdict = judge_issue(unit, area, SiteFacts(), NOW)  # type: ignore[arg-type]
    assert verdict == Refused(NOT_ISSUABLE, "Unit W-2 is not staged in a kitting area or buffer.")


@pytest.mark.parametrize(
    ("unit", "code"),
    [
        (None, "unknown-unit"),
        (replace(IN_BUFFER, state=UnitState.ISSUED), "closed-unit"),
        (replace(IN_BUFFER, quality=Quality.HOLD), "not-released"),  # held WIP is not consumed
        (replace(IN_BUFFER, expiry=TODAY - timedelta(days=1)), "expired"),
    ],
)
def test_issue_refusals_decide_before_fifo(unit: Unit | None, code: str) -> None:
    verdict = judge_issue(unit, BUFFER, SiteFacts(older_in_buffer=OLDER), NOW, unit_code="W-404")
    assert isinstance(verdict, Refused)
    assert verdict.code == code


def test_an_unknown_unit_is_named() -> None:
    verdict = judge_issue(None, None, SiteFacts(), NOW, unit_code="W-404")
    assert verdict == Refused("unknown-unit", "Unit W-404 is not known here.")


def test_a_kitted_unit_is_issued() -> None:
    assert judge_issue(staged(COMPONENT, KIT), KIT, SiteFacts(work_order=WO), NOW) == Allowed()
