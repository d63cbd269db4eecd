"""Posting alerts to STAGETERM_ALERT_URL (SPEC §6b): each alert once, as JSON, retried
like sync.

Each alert is claimed under a lease in one conditional UPDATE (store/alerts.py), posted,
then marked posted; so terminals and `stageterm sync` processes sharing a database never
post the same alert twice, and an alert whose post failed (refused connection, timeout,
5xx or any other answer than 2xx) is kept and tried again after an exponential backoff
with jitter, by whichever worker comes first. A process killed between the post and the
mark leaves the alert to be posted again once its lease runs out: the body carries the
alert's `id`, so a receiver can recognise it (at-least-once, like events).
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from stageterm import __version__
from stageterm.store import alerts as alert_rows
from stageterm.store.alerts import AlertRecord
from stageterm.store.engine import Store
from stageterm.sync.deadline import DeadlineBackend, deadline_client, read_capped
from stageterm.sync.outbox import new_owner
from stageterm.sync.uplink import clean, safe_url

log = logging.getLogger(__name__)

LEASE_S = 60.0  # longer than one post's deadline: the lease outlives the request
DEADLINE_S = 10.0  # a post that takes longer is a failure, retried later
FIRST_RETRY_S = 2.0
LONGEST_RETRY_S = 300.0


def alert_body(alert: AlertRecord, site: str) -> dict[str, object]:
    """The JSON posted: the `alerts --json` fields plus the id and site a receiver needs
    to recognise a resend."""
    return {
        "id": f"{site}:alert:{alert.id}",
        "site": site,
        "kind": alert.kind,
        "subject": alert.subject,
        "message": alert.message,
        "since": alert.since.isoformat(),
        "raised_at": alert.raised_at.isoformat(),
    }


def retry_delay(attempts: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds before the next try after `attempts` failures: doubling, capped, jittered."""
    base = min(LONGEST_RETRY_S, FIRST_RETRY_S * 2 ** min(attempts, 16))
    return base + rand() * FIRST_RETRY_S


@dataclass
class PostReport:
    posted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class AlertPoster:
    """Posts the alerts of one store to one URL; one request at a time."""

    def __init__(
        self,
        store: Store,
        url: str,
        *,
        site: str = "site",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        deadline: float = DEADLINE_S,
    ) -> None:
        self.store = store
        self.url = url
        self.shown_url = safe_url(url)
        self.site = site
        self.clock = clock
        self.owner = new_owner()
        self._backend = DeadlineBackend()
        self._deadline = deadline
        self._client = deadline_client(
            self._backend,
            ssl.create_default_context(),
            {"User-Agent": f"stageterm/{__version__}", "Accept-Encoding": "identity"},
            httpx.Timeout(deadline, connect=min(5.0, deadline)),
        )

    def post_pending(self) -> PostReport:
        """Post every alert not posted yet that no other worker holds."""
        report = PostReport()
        for alert_id in alert_rows.to_post(self.store, self.clock()):
            alert = alert_rows.claim(self.store, alert_id, self.owner, self.clock(), LEASE_S)
            if alert is None:
                continue  # another worker has it, or posted it a moment ago
            error = self._post(alert)
            if error is None:
                alert_rows.mark_posted(self.store, alert.id, self.owner, self.clock())
                report.posted += 1
                continue
            retry_at = self.clock() + timedelta(seconds=retry_delay(alert.post_attempts))
            alert_rows.mark_failed(self.store, alert.id, self.owner, error, retry_at)
            report.failed += 1
            report.errors.append(error)
            # The receiver is down for this one; the rest would fail the same way.
            break
        return report

    def _post(self, alert: AlertRecord) -> str | None:
        body = json.dumps(alert_body(alert, self.site)).encode()
        self._backend.deadline = time.monotonic() + self._deadline
        try:
            with self._client.stream(
                "POST", self.url, content=body, headers={"Content-Type": "application/json"}
            ) as response:
                answer = read_capped(response, 64 * 1024)
        except httpx.HTTPError as exc:
            return f"alert receiver {self.shown_url} failed: {clean(type(exc).__name__)}"
        finally:
            self._backend.deadline = None
        if 200 <= answer.status_code < 300:
            return None
        return f"alert receiver {self.shown_url} answered {answer.status_code}"

    def close(self) -> None:
        self._client.close()
