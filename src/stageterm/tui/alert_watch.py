"""Alerts on every lead's screen (SPEC §6b): while a lead or an admin is signed in, the
alerts no lead has acknowledged are polled off the UI thread, like the change counter.
Their count stays on the title bar of every screen until a lead acknowledges them (on the
health screen, or `stageterm alerts --ack`), and each new one is flashed once on the key
bar with its message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stageterm.tui.messages import FromThread

if TYPE_CHECKING:
    from textual.app import App

    from stageterm.domain.model import Operator
    from stageterm.services.site import Site

ALERT_POLL_S = 5.0  # how often a lead's terminal asks for alerts
TICK_S = 1.0  # how soon a lead who has just signed in sees them


@dataclass
class AlertsSeen(FromThread):
    """What a lead should see now: the title bar's words, and a new alert's message (once)."""

    line: str
    new: str | None


def alert_line(count: int) -> str:
    """The title bar's words before the sync state: "1 ALERT  ", "3 ALERTS  " or nothing."""
    return "" if not count else f"{count} ALERT{'S' if count > 1 else ''}  "


class AlertWatch:
    def __init__(self, app: App[int], site: Site, who: Callable[[], Operator | None]) -> None:
        self.app = app
        self.site = site
        self.who = who
        self.flashed: set[int] = set()
        self.badge: str | None = None
        self.ticks = 0

    def start(self) -> None:
        self.app.set_interval(TICK_S, self.poll)
        self.poll()

    def poll(self) -> None:
        person = self.who()
        badge = person.badge if person else None
        self.ticks = 0 if badge != self.badge else self.ticks + 1
        self.badge = badge
        if self.ticks % round(ALERT_POLL_S / TICK_S):
            return  # asked a moment ago
        if person is None or not person.may_approve():
            if self.flashed:
                self.flashed.clear()  # the next lead to sign in sees them once too
                self.app.post_message(AlertsSeen("", None))
            return
        self.app.run_worker(
            self._check, thread=True, exclusive=True, group="alerts", name="alerts",
            exit_on_error=False,
        )  # fmt: skip

    def _check(self) -> None:
        alerts = self.site.alerts.unacknowledged()
        new = [a for a in alerts if a.id not in self.flashed]
        self.flashed.update(a.id for a in new)
        more = f" (+{len(new) - 1} more, see Health)" if len(new) > 1 else ""
        shown = f"ALERT {new[0].message}{more}" if new else None
        self.app.post_message(AlertsSeen(alert_line(len(alerts)), shown))
