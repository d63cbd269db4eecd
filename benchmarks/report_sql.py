"""The staging report's figures by lane worked out by SQLite alone, with window functions:
what docs/performance.md ("Staging report") measured against the report as it is.

One statement: each step paired with the unit's next by LEAD over the events partitioned
by unit (ordered by seq), the stays under way when the window began by LAG and a look-up
of their arrival, the units that have not moved by the units table; then per lane the
stays, open ones, units now, dwell p50/p90 (nearest rank by ROW_NUMBER over the dwells)
and max, and the changes of the hourly buffer (summed per hour by SUM() OVER in Python's
stead would be one more window). Only figures come back.

It pairs a step with the unit's next step, which is what a stay is while every event's
"from" is where the unit was (as on this synthetic site); a log where it is not (see
tests/report_reference.py) needs the steps that change nothing dropped first: a second
window pass. The measurement is the cheaper, single-pass form.
"""

from __future__ import annotations

import sqlite3
from itertools import accumulate
from pathlib import Path

BEFORE = "CASE WHEN {e}from_state = 'staged' THEN {e}from_location END"
AFTER = "CASE WHEN coalesce({e}to_state, {e}from_state) = 'staged' THEN {e}to_location END"
B, A = BEFORE.format(e=""), AFTER.format(e="")
EB, EA = BEFORE.format(e="e."), AFTER.format(e="e.")

# +unit, +seq: SQLite would otherwise walk ix_events_unit and fetch each event from the
# table, in random order on a log written in time order (3x slower than sorting here).
STATEMENT = f"""
WITH steps AS (
  SELECT unit, seq, unixepoch(occurred_at) AS at, {B} AS before, {A} AS after
  FROM events WHERE occurred_at >= :since_db AND ({B}) IS NOT ({A})
), paired AS (
  SELECT unit, at, before, after, LAG(at) OVER w IS NULL AS first, LEAD(at) OVER w AS next_at
  FROM steps WINDOW w AS (PARTITION BY +unit ORDER BY +seq)
), stays AS MATERIALIZED (
  SELECT after AS key, at AS start, next_at AS stop FROM paired WHERE after IS NOT NULL
  UNION ALL
  SELECT p.before,
    (SELECT unixepoch(max(e.occurred_at)) FROM events e WHERE e.unit = p.unit
      AND e.occurred_at < :since_db AND ({EA}) IS NOT NULL AND ({EB}) IS NOT ({EA})),
    p.at
  FROM paired p WHERE p.first AND p.before IS NOT NULL
  UNION ALL
  SELECT u.location, unixepoch(u.staged_at), NULL
  FROM units u JOIN locations l ON l.code = u.location
  WHERE u.state = 'staged' AND u.staged_at IS NOT NULL
    AND l.kind IN ('lane', 'kitting', 'buffer')
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.unit = u.code
      AND e.occurred_at >= :since_db AND ({EB}) IS NOT ({EA}))
), inside AS (
  SELECT key, start, stop,
    max(0, CASE WHEN stop IS NULL OR stop > :until THEN :until ELSE stop END - start) AS dwell
  FROM stays
  WHERE start IS NOT NULL AND start < :until AND (stop IS NULL OR stop >= :since)
), ranked AS (
  SELECT key, dwell, stop,
    ROW_NUMBER() OVER (PARTITION BY key ORDER BY dwell) AS rank,
    COUNT(*) OVER (PARTITION BY key) AS n
  FROM inside
), spans AS (
  SELECT key,
    CASE WHEN start <= :first THEN 0 ELSE (start - :first + 3599) / 3600 END AS b,
    CASE WHEN stop IS NULL THEN :hours WHEN stop <= :first THEN 0
      WHEN (stop - :first + 3599) / 3600 > :hours THEN :hours
      ELSE (stop - :first + 3599) / 3600 END AS e
  FROM inside
)
SELECT 'g', key, count(*), sum(stop IS NULL OR stop > :until),
  max(CASE WHEN rank = (n + 1) / 2 THEN dwell END),
  max(CASE WHEN rank = (9 * n + 9) / 10 THEN dwell END), max(dwell)
FROM ranked GROUP BY key
UNION ALL
SELECT 'n', key, sum(stop IS NULL), NULL, NULL, NULL, NULL
FROM stays WHERE start IS NOT NULL GROUP BY key
UNION ALL
SELECT 's', key, i, sum(d), NULL, NULL, NULL FROM (
  SELECT key, b AS i, 1 AS d FROM spans WHERE b < e
  UNION ALL SELECT key, e, -1 FROM spans WHERE b < e
) GROUP BY key, i
"""

Figures = tuple[str, int, int, int | None, int | None, int | None, int, list[tuple[int, int]]]


def figures_by_lane(
    path: Path, since_db: str, since: int, until: int, hours: list[int]
) -> list[Figures]:
    """Per lane, by key: (key, stays, open, p50, p90, max, units now, series)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            STATEMENT,
            {
                "since_db": since_db,
                "since": since,
                "until": until,
                "first": hours[0],
                "hours": len(hours),
            },
        ).fetchall()
    finally:
        db.close()
    found: dict[str, list[int | None]] = {}
    changes: dict[str, list[int]] = {}
    for kind, key, a, b, c, d, e in rows:
        figures = found.setdefault(key, [0, 0, None, None, None, 0])
        if kind == "g":
            figures[:5] = [a, b, c, d, e]
        elif kind == "n":
            figures[5] = a
        else:
            changes.setdefault(key, [0] * (len(hours) + 1))[a] += b
    result = []
    for key in sorted(found):
        stays, still, p50, p90, longest, now = found[key]
        running = accumulate(changes.get(key, [0] * (len(hours) + 1))[: len(hours)])
        series = list(zip(hours, running, strict=True))
        result.append((key, stays or 0, still or 0, p50, p90, longest, now or 0, series))
    return result
