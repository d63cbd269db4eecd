"""Staging health over a window (SPEC §6b): stays, dwell, units staged now and the buffer
hour by hour, per lane, customer, route or work order, computed from the event log.

`StagingReport(store).build(since, until, by)` reads the log once from `since` to its end
(store/stays.py), traces the stays and sums them on columns (services/stay_columns.py).
The stays that were already open when the window began get their start from one look-up
per 500 such units, or from the unit itself when it has not moved since.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from stageterm.domain.metrics import GroupBy, GroupFigures, decision_lag, hour_ends
from stageterm.services.station import local_now
from stageterm.store import stays as stay_reads
from stageterm.store import tasks as task_reads
from stageterm.store.engine import Store

# Without --since: the day before --until, which covers every shift of a working day
# whatever the hour the report is asked for (a report "since midnight" is empty at 00:30).
DEFAULT_WINDOW = timedelta(hours=24)
# The longest window: a year of hourly series per group is what a plot or a spreadsheet
# can still take; a mistyped year (2100) would otherwise ask for millions of points.
LONGEST_WINDOW = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Report:
    since: datetime
    until: datetime
    by: GroupBy
    groups: list[GroupFigures]
    decision_lag_p50_s: int | None
    decision_lag_p90_s: int | None

    def hour(self, at: int) -> datetime:
        """An hour's end of a series, in the report's local offset."""
        return datetime.fromtimestamp(at, self.until.tzinfo)


class StagingReport:
    """The staging report over (store, clock)."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = local_now) -> None:
        self.store = store
        self.clock = clock

    def build(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        by: GroupBy | str = GroupBy.LANE,
        *,
        parts: int = 1,
    ) -> Report:
        """The report for [since, until] (aware datetimes; until defaults to now, since to
        24 hours before until). Raises ValueError when since is not before until, or the
        window is longer than LONGEST_WINDOW. `parts`: read the log in that many parts at
        once, on as many cores, where it can (services/step_parts.py)."""
        by = GroupBy(by)
        until = until or self.clock()
        since = since or until - DEFAULT_WINDOW
        if since >= until:
            raise ValueError("--since must be before --until")
        if until - since > LONGEST_WINDOW:
            raise ValueError("the window is longer than 366 days: ask for a year at most")
        # numpy is loaded with the first report, not with every Site (start-up: SPEC §10).
        from stageterm.services import stay_columns as columns
        from stageterm.services.step_parts import read_steps

        start, end = int(since.timestamp()), int(until.timestamp())
        with self.store.read() as session:
            masters = stay_reads.staging_places(session)
            steps = read_steps(self.store, session, since, by, parts)
            begun, under_way = columns.trace(steps)
            carried_in = {steps.units.names[u] for u in under_way.unit.tolist()}
            starts = stay_reads.arrivals(session, carried_in, since) if carried_in else {}
            # Units staged before the window that have not moved since: the unit says when.
            untouched = columns.staged_now(
                stay_reads.staged_units(session), steps.units, steps.places
            )
            # Order change arrived -> the move that corrected its unit (SPEC §6a).
            lag_pairs = task_reads.decision_lag_pairs(session, since, until)
        offset = until.utcoffset()
        groups = columns.figures(
            columns.joined(begun, columns.with_starts(under_way, starts, steps.units), untouched),
            steps.places,
            steps.facts,
            since=start,
            until=end,
            by=by,
            masters=masters,
            hours=hour_ends(start, end, int(offset.total_seconds()) if offset else 0),
        )
        lag_p50, lag_p90 = decision_lag(lag_pairs)
        return Report(since, until, by, groups, lag_p50, lag_p90)
