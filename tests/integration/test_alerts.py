"""Alerts (SPEC §6b) through the Python API on a real database (SQLite, then PostgreSQL):
judged from lanes and orders, shown to every lead until one acknowledges, cleared when the
condition ends, and posted to a loopback receiver once, whatever the number of terminals."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text

from integration.alert_receiver import AlertReceiver
from integration.helpers import Clock
from stageterm.services.results import Denied, Outcome
from stageterm.services.site import Site
from stageterm.sync.alert_post import AlertPoster


def _kinds(site: Site) -> set[tuple[str, str]]:
    return {(a.kind, a.subject) for a in site.alerts.unacknowledged()}


def _rows(site: Site) -> list[Any]:
    with site.store.read() as session:
        return list(
            session.connection().execute(
                text("SELECT kind, subject, acked_by, acked_at, live_key FROM alerts ORDER BY id")
            )
        )


def test_at_the_start_only_the_unit_staged_since_last_night_needs_a_lead(services: Site) -> None:
    # F-06 was staged in L-OPEN with the master data, 12 hours ago (old is 8 hours).
    alerts = services.alerts.refresh()
    assert [(a.kind, a.subject) for a in alerts] == [("lane-old", "L-OPEN")]
    assert alerts[0].message == "Lane L-OPEN: oldest unit waiting 12h00."
    assert alerts[0].as_json() == {
        "kind": "lane-old",
        "subject": "L-OPEN",
        "message": "Lane L-OPEN: oldest unit waiting 12h00.",
        "since": "2026-03-02T05:30:00+01:00",
    }


def test_an_order_due_soon_and_not_staged_is_at_risk_for_every_lead_until_one_acks(
    services: Site, other_terminal: Site, clock: Clock
) -> None:
    clock.advance(minutes=90)  # SO-1 is due at 11:30: 30 minutes from now, nothing staged
    assert ("order-at-risk", "SO-1") in _kinds(services)
    assert ("order-at-risk", "SO-1") in _kinds(other_terminal)
    alert = next(a for a in services.alerts.unacknowledged() if a.subject == "SO-1")
    assert "SO-1" in alert.message and "due 11:30" in alert.message
    assert alert.since.hour == 10 and alert.since.minute == 30  # due minus 60 minutes

    acked = other_terminal.alerts.acknowledge(alert.id, "2001")
    assert acked.acked_by == "2001"
    assert ("order-at-risk", "SO-1") not in _kinds(services)
    assert ("order-at-risk", "SO-1") not in _kinds(other_terminal)
    # Still listed (the order is still at risk), with who saw it; recorded once.
    listed = [a for a in services.alerts.refresh() if a.subject == "SO-1"]
    assert [a.acked_by for a in listed] == ["2001"]
    rows = [r for r in _rows(services) if r.subject == "SO-1"]
    assert len(rows) == 1 and rows[0].acked_by == "2001" and rows[0].acked_at is not None


def test_only_a_lead_acknowledges_and_an_operator_changes_nothing(
    services: Site, clock: Clock
) -> None:
    clock.advance(minutes=90)
    alert = next(a for a in services.alerts.unacknowledged() if a.subject == "SO-1")
    with pytest.raises(Denied):
        services.alerts.acknowledge(alert.id, "1001")
    with pytest.raises(Denied):
        services.alerts.acknowledge(999_999, "2001")
    assert all(r.acked_by is None for r in _rows(services))


def test_a_lane_whose_oldest_unit_passes_old_is_an_alert_until_the_unit_leaves(
    services: Site, clock: Clock
) -> None:
    assert services.moves.move("U-01", "L-NORTH", "1001").outcome is Outcome.MOVED
    clock.advance(hours=7, minutes=59)
    assert ("lane-old", "L-NORTH") not in _kinds(services)
    clock.advance(minutes=2)
    lane_old = [a for a in services.alerts.unacknowledged() if a.subject == "L-NORTH"]
    assert [a.kind for a in lane_old] == ["lane-old"]
    assert lane_old[0].message == "Lane L-NORTH: oldest unit waiting 8h01."

    assert services.moves.move("U-01", "S-01", "1001").outcome is Outcome.MOVED
    assert ("lane-old", "L-NORTH") not in _kinds(services)
    cleared = [r for r in _rows(services) if r.subject == "L-NORTH"]
    assert len(cleared) == 1 and cleared[0].live_key is None


def test_a_lane_over_capacity_is_an_alert(services: Site) -> None:
    for unit in ("U-11", "U-12"):
        assert services.moves.move(unit, "L-ACME-N", "1001").outcome is Outcome.MOVED
    assert ("over-capacity", "L-ACME-N") not in _kinds(services)
    third = services.moves.move("U-13", "L-ACME-N", "1001", approve="2001")
    assert third.outcome is Outcome.MOVED, third.message
    alert = next(a for a in services.alerts.unacknowledged() if a.kind == "over-capacity")
    assert alert.subject == "L-ACME-N" and "3 units, capacity 2" in alert.message


# -- posting -------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Any:
    got = AlertReceiver()
    yield got
    got.close()


def _with_url(site: Site, url: str, clock: Clock, terminal: str) -> Site:
    return Site(
        site.store, terminal=terminal, settings=site.settings.replace(alert_url=url), clock=clock
    )


def test_each_alert_is_posted_once_across_terminals_and_none_is_lost_while_down(
    services: Site, clock: Clock, receiver: AlertReceiver
) -> None:
    one = _with_url(services, receiver.url, clock, "T-1")
    two = _with_url(services, receiver.url, clock, "T-2")
    posters = [one.alerts.poster(), two.alerts.poster()]
    assert all(isinstance(p, AlertPoster) for p in posters)
    clock.advance(minutes=90)  # SO-1 at risk
    receiver.down = True
    assert one.alerts.post(posters[0]) == 0  # 503: kept, tried again later
    assert receiver.bodies == []
    receiver.down = False
    # The failed one (L-OPEN, the first) waits for its backoff; SO-1, not tried, goes.
    assert two.alerts.post(posters[1]) == 1
    assert [b["subject"] for b in receiver.bodies] == ["SO-1"]
    clock.advance(minutes=5)  # past L-OPEN's backoff

    # Both terminals post at once, over and over: each alert arrives exactly once.
    def post_many(site: Site, poster: AlertPoster) -> None:
        for _ in range(5):
            site.alerts.post(poster)

    threads = [
        threading.Thread(target=post_many, args=(s, p))
        for s, p in zip((one, two), posters, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    subjects = sorted(b["subject"] for b in receiver.bodies)
    assert subjects == ["L-OPEN", "SO-1"]  # F-06's old lane, and the order at risk
    assert len({b["id"] for b in receiver.bodies}) == 2
    body = next(b for b in receiver.bodies if b["subject"] == "SO-1")
    assert body["kind"] == "order-at-risk" and "due 11:30" in body["message"]
    assert set(body) >= {"id", "kind", "subject", "message", "since"}
    with services.store.read() as session:
        unposted = session.connection().execute(
            text("SELECT count(*) FROM alerts WHERE posted_at IS NULL")
        )
        assert unposted.scalar_one() == 0
    for poster in posters:
        assert poster is not None
        poster.close()


# -- the lead's health over the shift ---------------------------------------------------------


def test_shift_health_has_the_buffer_at_the_start_and_now_and_dwell_per_lane(
    services: Site, clock: Clock
) -> None:
    before = services.health.shift()
    # F-06 has waited in L-OPEN since last night: there at the start, and now.
    assert before.buffer_at_start == 1 and before.buffer_now == 1
    assert [p.code for p in before.places] == ["L-OPEN"]
    clock.advance(minutes=30)
    for unit in ("U-11", "U-12"):
        assert services.moves.move(unit, "L-ACME-N", "1001").outcome is Outcome.MOVED
    clock.advance(hours=1)
    health = services.health.shift()
    assert health.buffer_at_start == 1 and health.buffer_now == 3
    assert health.start.hour == 3  # now is 11:00 sharp: 03:00 and every hour to 11:00
    assert health.buffer == [1, 1, 1, 1, 1, 1, 1, 3, 3]  # staged at 10:00 sharp
    acme = next(p for p in health.places if p.code == "L-ACME-N")
    assert (acme.units_now, acme.units_at_start) == (2, 0)
    assert acme.dwell_p50_s == 3600 and acme.dwell_p90_s == 3600
    assert health.places[0].code == "L-ACME-N"  # the busiest first
    assert [a.subject for a in health.alerts] == ["L-OPEN", "SO-1"]
