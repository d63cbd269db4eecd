"""`Site`: every use case a terminal or the command line may ask of the site, composed.

Built once by the composition root (`cli.py`) over one store, and handed to the shells:

    site.moves        stage, move, unstage, load, issue
    site.quality      hold, release
    site.corrections  undo
    site.accounts     sign in, approvals, PIN lockout
    site.views        lanes, lane, unit, kitting, health, audit (reads only)
    site.upstream     sync worker, status, export, retrying rejected events
    site.printing     a unit's label on this terminal's printer
    site.staging_report   staging health over a window, from the event log
    site.pull         master data in: the feed and the inbox folder (SPEC §6a)
    site.alerts       old lanes, over capacity, orders at risk; acknowledging; posting
    site.health       the lead's health screen: dwell, buffer over the shift, alerts

`FloorSession` (session.py) is what a scan means at one terminal, over a `Site`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from stageterm.config.model import Settings
from stageterm.services.accounts import Accounts
from stageterm.services.alerts import Alerts
from stageterm.services.corrections import Corrections
from stageterm.services.health import LeadHealth
from stageterm.services.master_data import MasterData
from stageterm.services.moves import Moves
from stageterm.services.printing import Printing
from stageterm.services.quality import QualityControl
from stageterm.services.report import StagingReport
from stageterm.services.station import Station, local_now
from stageterm.services.upstream import Upstream
from stageterm.services.views import Views
from stageterm.store.engine import Store

if TYPE_CHECKING:
    from stageterm.services.pull import Pull


class Site:
    def __init__(
        self,
        store: Store,
        *,
        terminal: str = "local",
        settings: Settings | None = None,
        clock: Callable[[], datetime] = local_now,
    ) -> None:
        self.station = Station(store, terminal, settings or Settings(), clock)
        self.accounts = Accounts(self.station)
        self.moves = Moves(self.station, self.accounts)
        self.quality = QualityControl(self.station)
        self.corrections = Corrections(self.station)
        self.views = Views(self.station)
        self.upstream = Upstream(self.station, self.accounts)
        self.printing = Printing(self.station)
        self.master_data = MasterData(self.station, self.accounts)
        self.staging_report = StagingReport(store, clock)
        self.alerts = Alerts(self.station, self.accounts)
        self.health = LeadHealth(self.staging_report, self.alerts)

    @cached_property
    def pull(self) -> Pull:
        """Built on first use: the feed and inbox bring in httpx, biip and the intake's
        row models (~0.3 s of imports), which a board or a terminal without a feed never
        needs."""
        from stageterm.services.pull import Pull

        return Pull(self.station)

    @property
    def store(self) -> Store:
        return self.station.store

    @property
    def terminal(self) -> str:
        return self.station.terminal

    @property
    def settings(self) -> Settings:
        return self.station.settings

    def now(self) -> datetime:
        return self.station.now()

    def schema_revision(self) -> str | None:
        from stageterm.store.migrate import current_revision

        return current_revision(self.station.store)
