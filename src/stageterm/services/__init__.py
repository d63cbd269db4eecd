"""The use cases: sign in, stage, move, unstage, issue, load, hold, release, approve, undo,
and the queue, lane, unit, kitting and health views. One transaction each; no Textual.

What a use case answers (`Outcome`, `Result`, `Denied`) loads with the package; the use
cases themselves, and with them SQLAlchemy (~0.4 s of imports), load on first use, so that
the terminal paints its sign-in screen while the database opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stageterm.lazy import on_first_use
from stageterm.services.results import Denied, Outcome, Result

if TYPE_CHECKING:
    from stageterm.services.base import local_now
    from stageterm.services.facade import Services
    from stageterm.services.views import (
        Health,
        KitLine,
        KitProgress,
        LaneQueue,
        StagedUnit,
        UnitDetail,
    )

_LOADED_ON_USE = {
    "Services": "stageterm.services.facade",
    "local_now": "stageterm.services.base",
    **dict.fromkeys(
        ("Health", "KitLine", "KitProgress", "LaneQueue", "StagedUnit", "UnitDetail"),
        "stageterm.services.views",
    ),
}


__getattr__ = on_first_use(__name__, _LOADED_ON_USE)

__all__ = [
    "Denied",
    "Health",
    "KitLine",
    "KitProgress",
    "LaneQueue",
    "Outcome",
    "Result",
    "Services",
    "StagedUnit",
    "UnitDetail",
    "local_now",
]
