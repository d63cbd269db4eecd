"""What a use case answers: the outcome an operator sees and an integrator reads as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stageterm.domain.model import Role


class Denied(Exception):
    """The person asking may not do this; the message is for them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BadInput(Exception):
    """A setting, file or argument the use case cannot work with: one line for the user."""


class Outcome(StrEnum):
    MOVED = "moved"
    ALREADY_THERE = "already_there"
    REFUSED = "refused"
    NEEDS_APPROVAL = "needs_approval"
    TARGET = "target"
    INFO = "info"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    message: str
    code: str | None = None
    unit: str | None = None
    from_: str | None = None
    to: str | None = None
    event_id: str | None = None
    approved_by: str | None = None
    role: Role | None = None  # who may approve, for needs_approval
    # Every rule code that applies: all approval rules for needs_approval, the ones a
    # lead overrode for an approved move, else the one code (SPEC §5).
    codes: tuple[str, ...] = ()
    suggested: tuple[str, ...] = ()  # lanes for a unit with an open outbound order

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.MOVED, Outcome.ALREADY_THERE, Outcome.TARGET, Outcome.INFO)

    def as_json(self) -> dict[str, Any]:
        """The shape SPEC §5 promises for move, load, issue, hold, release, undo and scan."""
        return {
            "outcome": self.outcome.value,
            "code": self.code,
            "codes": list(self.codes) if self.codes else ([self.code] if self.code else []),
            "suggested": list(self.suggested),
            "message": self.message,
            "unit": self.unit,
            "from": self.from_,
            "to": self.to,
            "event_id": self.event_id,
            "approved_by": self.approved_by,
        }


def refused(code: str, message: str, unit: str | None = None, **kw: Any) -> Result:
    return Result(Outcome.REFUSED, message, code=code, unit=unit, **kw)
