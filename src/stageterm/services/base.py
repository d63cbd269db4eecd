"""What every use case shares: the store, this terminal, the clock, and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from stageterm.config import Settings
from stageterm.domain.model import Operator, Role, Unit
from stageterm.services.results import Denied
from stageterm.store import queries
from stageterm.store.engine import Store


def local_now() -> datetime:
    """Now, aware, in the terminal's local offset (events keep it, SPEC §2)."""
    return datetime.now().astimezone()


class ServiceBase:
    def __init__(
        self,
        store: Store,
        *,
        terminal: str = "local",
        settings: Settings | None = None,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.store = store
        self.terminal = terminal
        self.settings = settings or Settings()
        self.clock = clock

    def now(self) -> datetime:
        return self.clock()

    @staticmethod
    def _unit(session: Session, code: str, *, open_only: bool = True) -> Unit:
        """The unit a use case acts on; refused when unknown (or, by default, closed)."""
        unit = queries.unit(session, code)
        if unit is None:
            raise Denied("unknown-unit", f"Unit {code} is not known here.")
        if open_only and unit.is_closed:
            raise Denied("closed-unit", f"Unit {unit.code} is already {unit.state.value}.")
        return unit

    @staticmethod
    def _operator(session: Session, badge: str | None, *roles: Role) -> Operator:
        """The signed-in operator, who must exist and (when roles are named) hold one of them."""
        if not badge:
            raise Denied("no-operator", "Sign in first: scan your badge.")
        person = queries.operator(session, badge)
        if person is None:
            raise Denied("unknown-operator", f"Badge {badge} is not known here.")
        if roles and person.role not in roles:
            names = " or ".join(r.value for r in roles)
            raise Denied(
                "not-allowed", f"{person.name} is {person.role.value}; this needs {names}."
            )
        return person
