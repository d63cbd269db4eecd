"""Alerts as the shells see them (SPEC §6b): what needs a lead now, acknowledging one,
and posting them to STAGETERM_ALERT_URL.

`refresh()` judges the lane and order figures (domain/alerts.py) and makes the alerts
table say what holds now, writing only when something changed; every shell asks through
it, so `stageterm alerts`, each lead's health screen and `stageterm sync` agree on one
list, with one acknowledgement per alert for every lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from stageterm.domain.alerts import Alert, lane_alerts, order_alerts
from stageterm.services.accounts import Accounts
from stageterm.services.results import Denied
from stageterm.services.station import Station
from stageterm.store import alerts as alert_rows
from stageterm.store.alerts import AlertRecord

if TYPE_CHECKING:
    from stageterm.sync.alert_post import AlertPoster


@dataclass(frozen=True, slots=True)
class ShownAlert:
    """An alert as a screen or a command shows it."""

    id: int
    kind: str
    subject: str
    message: str
    since: datetime
    acked_by: str | None
    acked_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "message": self.message,
            "since": self.since.isoformat(),
        }


class Alerts:
    def __init__(self, station: Station, accounts: Accounts) -> None:
        self.station = station
        self.accounts = accounts

    def judged(self) -> list[Alert]:
        """The conditions that hold now, from the figures (nothing written)."""
        settings = self.station.settings
        now = self.station.now()
        at_risk_s = round(settings.at_risk_minutes * 60)
        with self.station.store.read() as session:
            lanes = alert_rows.lane_figures(session)
            orders = alert_rows.order_figures(session, now + timedelta(seconds=at_risk_s))
        old_s = round(settings.old_minutes * 60)
        return lane_alerts(lanes, now, old_s) + order_alerts(orders, now, at_risk_s)

    def refresh(self) -> list[ShownAlert]:
        """Every alert that holds now, acknowledged or not, oldest first."""
        current = self.judged()
        with self.station.store.read() as session:
            known = alert_rows.live_keys(session)
        if known != {a.key for a in current}:
            alert_rows.record(self.station.store, current, self._utc_now())
        with self.station.store.read() as session:
            return [self._shown(r) for r in alert_rows.live(session)]

    def unacknowledged(self) -> list[ShownAlert]:
        """What a lead's screen shows until some lead acknowledges it."""
        return [a for a in self.refresh() if a.acked_at is None]

    def acknowledge(self, alert_id: int, badge: str | None) -> ShownAlert:
        """Record that the lead (or admin) `badge` has seen alert `alert_id`, for every lead.
        Denied for anyone else or an alert that does not exist."""
        person = self.accounts.operator(badge) if badge else None
        if person is None or not person.may_approve():
            raise Denied("not-allowed", "Acknowledging alerts is for a lead.")
        record = alert_rows.acknowledge(self.station.store, alert_id, person.badge, self._utc_now())
        if record is None:
            raise Denied("unknown-alert", f"Alert {alert_id} is not known here.")
        return self._shown(record)

    def poster(self) -> AlertPoster | None:
        """What posts alerts to STAGETERM_ALERT_URL; None where it is not set."""
        url = self.station.settings.alert_url
        if not url:
            return None
        from stageterm.sync.alert_post import AlertPoster

        return AlertPoster(
            self.station.store, url, site=self.station.settings.site, clock=self._utc_now
        )

    def post(self, poster: AlertPoster) -> int:
        """Judge the alerts, then post every one not posted yet; returns how many were."""
        self.refresh()
        return poster.post_pending().posted

    def _utc_now(self) -> datetime:
        return self.station.now().astimezone(UTC)

    def _shown(self, record: AlertRecord) -> ShownAlert:
        tz = self.station.now().tzinfo
        return ShownAlert(
            record.id,
            record.kind,
            record.subject,
            record.message,
            record.since.astimezone(tz),
            record.acked_by,
            record.acked_at.astimezone(tz) if record.acked_at else None,
        )
