"""Dwell time, buffer size and lane health: the numbers that tell whether staging flows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


def dwell_seconds(staged_at: datetime | None, now: datetime) -> int | None:
    """Whole seconds a unit has waited where it is staged; None when it is not staged."""
    if staged_at is None:
        return None
    return max(0, int((now - staged_at).total_seconds()))


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (pct in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class Aging(StrEnum):
    """How long the oldest unit of a lane has waited, in words (never colour alone)."""

    FRESH = "ok"
    AGING = "aging"
    OLD = "old"


@dataclass(frozen=True, slots=True)
class AgingThresholds:
    aging_s: int = 2 * 3600
    old_s: int = 8 * 3600

    def classify(self, dwell_s: int | None) -> Aging:
        if dwell_s is None or dwell_s < self.aging_s:
            return Aging.FRESH
        if dwell_s < self.old_s:
            return Aging.AGING
        return Aging.OLD


def capacity_use(units: int, capacity: int | None) -> float | None:
    """Share of a lane's capacity in use (1.0 is full); None when the lane has no capacity."""
    if not capacity:
        return None
    return units / capacity


def format_dwell(seconds: int | None) -> str:
    """Short dwell for narrow screens: 45s, 12m, 3h05, 2d04."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}"
