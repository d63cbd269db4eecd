"""The lead's view of staging health over the shift (SPEC §6b, §8): per place dwell p50/p90
from the stays of the shift, the buffer at the start of the shift and now, the buffer hour
by hour (for a sparkline), and the alerts no lead has acknowledged yet.

The shift is the last `SHIFT_HOURS` full hours and the hour under way: a three-shift site
sees its own shift, a day-shift site its morning, whatever the hour the screen is opened.
The figures are the staging report's (services/report.py) over that window, by lane.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from stageterm.domain.metrics import GroupBy
from stageterm.services.alerts import Alerts, ShownAlert
from stageterm.services.report import StagingReport

SHIFT_HOURS = 8


@dataclass(frozen=True, slots=True)
class PlaceHealth:
    code: str
    units_now: int
    units_at_start: int
    dwell_p50_s: int | None
    dwell_p90_s: int | None


@dataclass(frozen=True, slots=True)
class ShiftHealth:
    start: datetime
    now: datetime
    places: list[PlaceHealth]  # busiest now first
    buffer: list[int]  # units staged at the start, at each full hour since, and now
    alerts: list[ShownAlert]  # not acknowledged by any lead yet

    @property
    def buffer_at_start(self) -> int:
        return self.buffer[0] if self.buffer else 0

    @property
    def buffer_now(self) -> int:
        return self.buffer[-1] if self.buffer else 0


class LeadHealth:
    def __init__(self, report: StagingReport, alerts: Alerts) -> None:
        self.report = report
        self.alerts = alerts

    def shift(self, now: datetime | None = None) -> ShiftHealth:
        now = now or self.report.clock()
        hour = now.replace(minute=0, second=0, microsecond=0)
        start = hour - timedelta(hours=SHIFT_HOURS)
        # One second before the start: the report's first hour's end is then the start itself.
        built = self.report.build(since=start - timedelta(seconds=1), until=now, by=GroupBy.LANE)
        width = max((len(g.series) for g in built.groups), default=0)
        totals = [0] * width
        places = []
        for group in built.groups:
            for i, (_, units) in enumerate(group.series):
                totals[i] += units
            if group.key is None:
                continue
            at_start = group.series[0][1] if group.series else 0
            if not (group.units_now or at_start or group.stays):
                continue
            places.append(
                PlaceHealth(
                    group.key, group.units_now, at_start, group.dwell_p50_s, group.dwell_p90_s
                )
            )
        places.sort(key=lambda p: (-p.units_now, p.code))
        now_total = sum(g.units_now for g in built.groups)
        # The last full hour's end may be now itself (opened at 10:00:00): no point twice.
        buffer = totals if hour == now and totals else [*totals, now_total]
        return ShiftHealth(start, now, places, buffer, self.alerts.unacknowledged())
