"""Sync status: events waiting to go upstream, the last success, the last error, and the
events upstream rejected (a lead may put them back in the queue)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widget import Widget
from textual.widgets import Static

from stageterm.tui.keys import HELP, LANES, QUIT, RETRY, SEND_NOW, STAGE, Key
from stageterm.tui.look import STYLE_BAD, STYLE_HEAD, STYLE_OK, dwell, literal
from stageterm.tui.messages import SyncChecked
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.widgets.rows import Row, RowList

if TYPE_CHECKING:
    from stageterm.services.site import Site
    from stageterm.sync import SyncStatus
    from stageterm.tui.synclink import SyncLink

SYNC_OFF = "sync off (no STAGETERM_UPSTREAM_URL)"


def sync_line(status: SyncStatus) -> str:
    """The title bar's few words: "sync ok", "sync 12 to send", "SYNC DOWN 40", with
    "+ 3 REJECTED"; "sync 3 REJECTED" when only rejected events remain (a 422 is upstream
    answering, not upstream down)."""
    if status.failing and status.pending:
        line = f"SYNC DOWN {status.pending}"
    elif status.pending:
        line = f"sync {status.pending} to send"
    elif status.rejected:
        return f"sync {status.rejected} REJECTED"
    else:
        line = "sync ok"
    return f"{line} + {status.rejected} REJECTED" if status.rejected else line


@dataclass(frozen=True)
class SyncView:
    status: SyncStatus | None
    now: datetime  # the site's clock: events are stamped with it
    wall: datetime  # the computer's clock: the sync stamps its attempts with it


def ago(at: datetime | None, wall: datetime) -> str:
    if at is None:
        return "never"
    seconds = int((wall - at).total_seconds())
    return f"in {dwell(-seconds)}" if seconds < 0 else f"{dwell(seconds)} ago"


def summary(view: SyncView, upstream: str) -> Text:
    status, wall = view.status, view.wall
    if status is None:
        text = Text(SYNC_OFF + "\n", style="bold")
        text.append(
            "Events are kept here. Set STAGETERM_UPSTREAM_URL to send them upstream.", style=""
        )
        return text
    text = Text(f"Upstream: {literal(upstream, 70)}\n")
    text.append(f"Pending: {status.pending}", style=STYLE_BAD if status.failing else "bold")
    if status.held:
        text.append(f" ({status.held} behind a rejected event)")
    age = status.oldest_pending_age(view.now.astimezone(UTC))
    if age is not None and status.pending:
        text.append(f"  oldest {dwell(int(age))}")
    text.append(f"\nLast success: {ago(status.last_success_at, wall)}")
    if status.failing:
        text.append("  X FAILING", style=STYLE_BAD)
    elif status.last_success_at is not None:
        text.append("  + ok", style=STYLE_OK)
    if status.last_error:
        text.append(f"\nLast error {ago(status.last_error_at, wall)}: ", style="bold")
        text.append(literal(status.last_error, 200))
    if status.next_attempt_at is not None:
        due = status.next_attempt_at > wall
        text.append(f"\nNext attempt: {ago(status.next_attempt_at, wall) if due else 'now'}")
    text.append(f"\nRejected: {status.rejected}", style=STYLE_BAD if status.rejected else "")
    return text


class SyncScreen(FloorScreen):
    HEADING = "SYNC"
    KEYS: ClassVar[tuple[Key, ...]] = (HELP, STAGE, LANES, SEND_NOW, RETRY, QUIT)
    BINDINGS: ClassVar[list[BindingType]] = [
        SEND_NOW.binding(),
        RETRY.binding(),
    ]

    def __init__(self, site: Site, sync: SyncLink | None, operator: str | None) -> None:
        super().__init__(site)
        self.sync = sync
        self.operator = operator  # who is signed in: retrying rejected events is a lead's

    def body(self) -> Iterable[Widget]:
        yield Static("", id="sync-summary", classes="summary")
        yield RowList(id="rejected", empty="")

    def fetch(self) -> SyncView:
        sync = self.sync
        status = sync.worker.status(list_rejected=50) if sync is not None else None
        return SyncView(status, self.site.now(), datetime.now(UTC))

    def show(self, data: SyncView) -> None:
        sync = self.sync
        if data.status is not None:
            self.post_message(SyncChecked(sync_line(data.status), from_screen=True))
        self.query_one("#sync-summary", Static).update(summary(data, sync.upstream if sync else ""))
        rows: list[Row] = []
        if data.status is not None:
            for event in data.status.rejected_events:
                text = Text(
                    f"#{event.seq} {literal(event.type, 8)} {literal(event.unit, 12)} ",
                    no_wrap=True,
                    overflow="crop",
                )
                text.append(literal(event.reason or "", 120), style=STYLE_BAD)
                rows.append(Row(None, text))
        heading = Text(" REJECTED EVENTS (a lead retries: ^E)", style=STYLE_HEAD) if rows else None
        self.query_one(RowList).show(rows, heading, keep=False)

    def action_send_now(self) -> None:
        if self.sync is None:
            self.flash(SYNC_OFF)
            return
        self.sync.worker.wake()
        self.flash("Sending now.")
        self.set_timer(1.5, self.load)

    def action_retry(self) -> None:
        if self.sync is None:
            self.flash(SYNC_OFF)
        else:
            self.run_worker(
                self._retry, thread=True, group="retry", name="retry rejected", exit_on_error=False
            )

    def _retry(self) -> None:
        from stageterm.services.results import Denied

        sync = self.sync
        if sync is None:
            return
        try:
            count = self.site.upstream.retry_rejected(self.operator)
        except Denied as denied:  # the rule is the use case's; the screen only says it
            self.app.call_from_thread(self.flash, denied.message)
            return
        sync.worker.wake()
        self.app.call_from_thread(self.flash, f"{count} rejected events back in the queue.")
        self.app.call_from_thread(self.load)
