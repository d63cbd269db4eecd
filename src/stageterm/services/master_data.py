"""Master data by hand: `stageterm import` of a file site IT has read (intake/ checks and
writes it). Who may: anyone on the host, or, when a badge is named for the receive
events, an admin — checked here, not in the command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stageterm.domain.model import Role
from stageterm.services.accounts import Accounts
from stageterm.services.results import Denied
from stageterm.services.station import Station

if TYPE_CHECKING:
    from stageterm.intake import ImportReport


class MasterData:
    def __init__(self, station: Station, accounts: Accounts) -> None:
        self.station = station
        self.accounts = accounts

    def import_rows(
        self, kind: str, source: str, rows: Any, operator: str | None = None
    ) -> ImportReport:
        """Import `rows` (read from `source`) all or nothing; ImportFailed with every
        `FILE:LINE` problem, Denied when `operator` is named and is not an admin."""
        from stageterm.intake import import_rows

        if operator:
            person = self.accounts.operator(operator)
            if person is None or person.role is not Role.ADMIN:
                who = "not known here" if person is None else f"{person.role.value}, not admin"
                raise Denied("not-allowed", f"imports need an admin: badge {operator} is {who}")
        station = self.station
        return import_rows(
            station.store,
            kind,
            source,
            rows,
            clock=station.now,
            terminal=station.terminal,
            operator=operator,
        )
