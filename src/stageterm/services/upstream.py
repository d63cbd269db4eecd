"""Upstream, as the shells see it: the sync worker built from the settings, the queue's
status, exports, and retrying rejected events (a lead's decision, checked here).

The sync package (httpx, tenacity) loads when one of these is first used.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from stageterm.services.accounts import Accounts
from stageterm.services.results import BadInput, Denied
from stageterm.services.station import Station

if TYPE_CHECKING:
    from stageterm.sync import SyncStatus, SyncWorker
    from stageterm.sync.epcis import Encoder


class Upstream:
    def __init__(self, station: Station, accounts: Accounts) -> None:
        self.station = station
        self.accounts = accounts

    @property
    def configured(self) -> bool:
        return bool(self.station.settings.upstream_url)

    def worker(self, body_format: str = "epcis") -> SyncWorker:
        """The sync worker for this site's upstream; BadInput for a setting it cannot use."""
        from stageterm.sync import SyncWorker
        from stageterm.sync.epcis import Format
        from stageterm.sync.identifiers import IdentifierError
        from stageterm.sync.options import OptionsError, options_from_env
        from stageterm.sync.uplink import UplinkConfigError

        settings = self.station.settings
        if not settings.upstream_url:
            raise BadInput(
                "STAGETERM_UPSTREAM_URL is not set: point it at the upstream receiver "
                "(see docs/sync.md)"
            )
        try:
            options = options_from_env(batch=settings.sync_batch, format=Format(body_format))
            return SyncWorker.from_settings(self.station.store, settings, options)
        except (OptionsError, UplinkConfigError, IdentifierError) as exc:
            raise BadInput(str(exc)) from None

    def status(self, list_rejected: int = 0) -> SyncStatus:
        from stageterm.sync import read_status

        return read_status(self.station.store, list_rejected=list_rejected)

    def retry_rejected(self, operator: str | None, event_ids: list[str] | None = None) -> int:
        """Put rejected events (all, or those named) back in the queue: a lead's (or an
        admin's) decision, since they were parked for a reason. Denied otherwise."""
        from stageterm.sync import retry_rejected

        person = self.accounts.operator(operator) if operator else None
        if person is None or not person.may_approve():
            who = f"badge {operator} is not one" if operator else "nobody is signed in"
            raise Denied("not-allowed", f"Retrying rejected events is for a lead; {who}.")
        return retry_rejected(self.station.store, event_ids or None)

    def encoder(self, body_format: str = "epcis") -> Encoder:
        from stageterm.sync.epcis import Encoder, EpcisMapper, Format
        from stageterm.sync.identifiers import IdentifierError, Namer

        settings = self.station.settings
        try:
            return Encoder(
                Format(body_format), EpcisMapper(Namer(settings.site, settings.sgln_prefix))
            )
        except IdentifierError as exc:
            raise BadInput(str(exc)) from None

    def export(self, out: IO[str], encoder: Encoder, since: int = 0) -> int:
        """Write every event after `since` (seq) to `out`; returns how many."""
        from stageterm.sync.export import write_export

        return write_export(self.station.store, out, encoder, since=since)
