"""The staging report over a real database (SQLite file, and PostgreSQL where a server
can be started): stays traced from the events the use cases wrote.

The morning, from FIXED_NOW (09:30 +01:00): U-01 into L-ACME-N, +10 min U-03 into
L-ACME-N, +10 min U-09 into L-BOLT-S, +10 min 10 of C-01 into KIT-A (a split: the child
C-01-1 moves), +10 min U-01 loaded onto D-N, +10 min U-09 moved to L-OPEN (approved),
+10 min C-01-1 issued; the report is asked at 10:40. F-06 was received straight into
L-OPEN twelve hours before FIXED_NOW and has not moved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from integration.helpers import FIXED_NOW
from stageterm.domain.metrics import GroupFigures
from stageterm.services.report import Report
from stageterm.services.results import Outcome
from stageterm.services.site import Site

MIN = 60


@pytest.fixture
def morning(services: Site, clock) -> Site:  # type: ignore[no-untyped-def]
    steps = [
        lambda: services.moves.move("U-01", "L-ACME-N", "1001"),
        lambda: services.moves.move("U-03", "L-ACME-N", "1001"),
        lambda: services.moves.move("U-09", "L-BOLT-S", "1001"),
        lambda: services.moves.move("C-01", "KIT-A", "1002", quantity=10),
        lambda: services.moves.load("U-01", "D-N", "1001"),
        lambda: services.moves.move("U-09", "L-OPEN", "1001", approve="2001"),
        lambda: services.moves.issue("C-01-1", "1002"),
    ]
    for step in steps:
        result = step()
        assert result.outcome is Outcome.MOVED, result.message
        clock.advance(minutes=10)
    return services


def groups(report: Report) -> dict[str | None, GroupFigures]:
    return {g.key: g for g in report.groups}


def test_stays_by_lane_over_the_morning(morning: Site) -> None:
    report = morning.staging_report.build(since=FIXED_NOW - timedelta(hours=1))
    assert report.until == FIXED_NOW + timedelta(minutes=70)
    lanes = groups(report)
    assert set(lanes) == {"L-ACME-N", "L-BOLT-S", "L-OPEN", "KIT-A"}
    acme = lanes["L-ACME-N"]
    # U-01 stayed 40 min and left; U-03 is there since 09:40 (60 min at 10:40).
    assert (acme.stays, acme.open, acme.units_now) == (2, 1, 1)
    assert acme.dwells == [40 * MIN, 60 * MIN]
    bolt = lanes["L-BOLT-S"]
    assert (bolt.stays, bolt.open, bolt.units_now, bolt.dwells) == (1, 0, 0, [30 * MIN])
    # F-06 has been in L-OPEN since its receipt (12 h before 09:30): the unit says when.
    open_lane = lanes["L-OPEN"]
    assert (open_lane.stays, open_lane.open, open_lane.units_now) == (2, 2, 2)
    assert open_lane.dwells == [20 * MIN, 12 * 3600 + 70 * MIN]
    # The split's child stayed in KIT-A from its move to its issue; the parent never moved.
    assert (lanes["KIT-A"].stays, lanes["KIT-A"].dwells) == (1, [30 * MIN])
    assert report.decision_lag_p50_s is None and report.decision_lag_p90_s is None


def test_a_window_that_begins_mid_stay_counts_the_whole_stay(morning: Site) -> None:
    # U-01 arrived at 09:30, before this window; it left at 10:10, inside it.
    report = morning.staging_report.build(since=FIXED_NOW + timedelta(minutes=5))
    assert groups(report)["L-ACME-N"].dwells == [40 * MIN, 60 * MIN]


def test_a_window_in_the_past_ends_where_it_ends(morning: Site) -> None:
    until = FIXED_NOW + timedelta(minutes=25)
    report = morning.staging_report.build(since=FIXED_NOW - timedelta(hours=1), until=until)
    lanes = groups(report)
    acme, bolt = lanes["L-ACME-N"], lanes["L-BOLT-S"]
    # At 09:55 U-01 (25 min) and U-03 (15 min) were both still there.
    assert (acme.stays, acme.open, acme.dwells) == (2, 2, [15 * MIN, 25 * MIN])
    assert (bolt.stays, bolt.open, bolt.dwells) == (1, 1, [5 * MIN])
    assert "KIT-A" not in lanes or lanes["KIT-A"].stays == 0  # the kit came at 10:00
    # units_now is now, not then: U-01 has left, U-09 is in L-OPEN.
    assert (acme.units_now, bolt.units_now) == (1, 0)


def test_by_customer_route_and_work_order(morning: Site) -> None:
    since = FIXED_NOW - timedelta(hours=1)
    by_customer = groups(morning.staging_report.build(since=since, by="customer"))
    assert by_customer["ACME"].stays == 2
    # A stay belongs to the customer its event was judged for: U-09's order is BOLT's, so
    # its second stay, in L-OPEN (a lane for nobody), still waits for BOLT.
    assert by_customer["BOLT"].stays == 2
    # F-06 has no order and L-OPEN names no customer; the kit is for a work order.
    assert by_customer[None].stays == 2
    by_route = groups(morning.staging_report.build(since=since, by="route"))
    assert (by_route["NORTH"].stays, by_route["SOUTH"].stays) == (2, 2)
    by_work_order = groups(morning.staging_report.build(since=since, by="work_order"))
    assert by_work_order["WO-1"].stays == 1


def test_the_buffer_hour_by_hour(morning: Site) -> None:
    report = morning.staging_report.build(since=FIXED_NOW - timedelta(hours=2))
    # Hour ends in the site's offset (+01:00): 08:00, 09:00 and 10:00 local.
    hours = [report.hour(at) for at, _ in report.groups[0].series]
    assert [h.strftime("%H:%M%z") for h in hours] == ["08:00+0100", "09:00+0100", "10:00+0100"]
    at_ten = {g.key: g.series[-1][1] for g in report.groups}
    # At 10:00: U-01 and U-03 in L-ACME-N, U-09 in L-BOLT-S, F-06 in L-OPEN, the child
    # in KIT-A (it arrived at 10:00 exactly).
    assert at_ten == {"L-ACME-N": 2, "L-BOLT-S": 1, "L-OPEN": 1, "KIT-A": 1}


def test_an_empty_window_has_no_stays_but_what_is_staged_now(services: Site) -> None:
    report = services.staging_report.build(
        since=FIXED_NOW - timedelta(days=3), until=FIXED_NOW - timedelta(days=2)
    )
    # F-06 arrived after this window: listed for units_now only.
    assert [(g.key, g.stays, g.units_now) for g in report.groups] == [("L-OPEN", 0, 1)]


def test_a_backwards_window_is_refused(services: Site) -> None:
    with pytest.raises(ValueError, match="--since must be before --until"):
        services.staging_report.build(since=FIXED_NOW, until=FIXED_NOW - timedelta(hours=1))


def test_the_report_reads_the_site_offset_of_until(services: Site) -> None:
    until = datetime(2026, 3, 2, 12, 0, tzinfo=FIXED_NOW.tzinfo)
    report = services.staging_report.build(until=until)
    assert report.since == until - timedelta(hours=24)
