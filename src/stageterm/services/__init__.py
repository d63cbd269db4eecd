"""The use cases: sign in, stage, move, unstage, issue, load, hold, release, approve, undo,
and the queue, lane, unit, kitting and health views. One transaction each; no Textual."""

from stageterm.services.accounts import AccountsMixin
from stageterm.services.base import Denied, local_now
from stageterm.services.results import Outcome, Result
from stageterm.services.status import StatusMixin
from stageterm.services.views import (
    Health,
    KitLine,
    KitProgress,
    LaneQueue,
    StagedUnit,
    UnitDetail,
    ViewsMixin,
)


class Services(AccountsMixin, StatusMixin, ViewsMixin):
    """Everything a terminal or the command line may ask of the site."""


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
