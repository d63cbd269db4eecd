"""`site.pull`: master data in from upstream, from the feed and the inbox folder (SPEC §6a).

Orchestrates what lives below: the feed client (`sync/feed.py`, the only HTTP), the taking
of a page or file (`intake/pulling.py`, `intake/inbox.py`), the cursors and the lease
(`store/pull_state.py`). One pull worker per site at a time: each page is taken under the
site's pull lease, renewed as it goes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stageterm.intake.inbox import take_inbox
from stageterm.intake.pulling import Taken, take
from stageterm.intake.reading import ImportFailed
from stageterm.intake.upstream import Conflict
from stageterm.services.station import Station
from stageterm.store import pull_state
from stageterm.store.pull_state import LEASE, POLL_S
from stageterm.sync.feed import FEED_KINDS, BadPage, Feed, FeedConfigError, FeedDown, FeedRefused
from stageterm.sync.outbox import new_owner, owner_is_dead

MAX_PAGES = 100_000  # a feed that never says "no more items" still ends a pull


@dataclass
class PullReport:
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    files_done: list[str] = field(default_factory=list)
    files_failed: list[str] = field(default_factory=list)
    quality_events: int = 0
    order_changes: int = 0
    tasks_opened: int = 0
    problems: list[str] = field(default_factory=list)
    unreachable: str | None = None
    refused: str | None = None
    busy_with: str | None = None

    def add(self, taken: Taken) -> None:
        figures = self.kinds.setdefault(taken.kind, {"created": 0, "updated": 0, "conflicts": 0})
        figures["created"] += taken.created
        figures["updated"] += taken.updated
        figures["conflicts"] += len(taken.conflicts)
        self.conflicts.extend(taken.conflicts)
        self.quality_events += taken.quality_events
        self.order_changes += taken.changes
        self.tasks_opened += taken.tasks_opened

    def as_json(self) -> dict[str, Any]:
        return {
            "kinds": self.kinds,
            "conflicts": [c.as_json() for c in self.conflicts],
            "files": {"done": self.files_done, "failed": self.files_failed},
            "quality_events": self.quality_events,
            "order_changes": self.order_changes,
            "tasks_opened": self.tasks_opened,
            "problems": self.problems,
            "error": self.unreachable or self.refused,
        }


# `say(line)` for what went well, `say(line, "warning")` or `say(line, "error")` for
# what a person should look at: the pull's log lines, one a page or file.
Say = Callable[..., None]


def _quiet(_line: str, _level: str = "info") -> None:
    """No log lines."""


class Pull:
    def __init__(self, station: Station) -> None:
        self.station = station
        self.owner = new_owner()
        self._hands_over: str | None = None

    def _is_done(self, holder: str) -> bool:
        """Whether `holder`'s lease may be taken: it handed it over, or its process died."""
        return holder == self._hands_over or owner_is_dead(holder)

    def feed(self) -> Feed | None:
        """The feed client from the settings; None when no feed is set. Raises
        FeedConfigError for settings that cannot work."""
        settings = self.station.settings
        if not settings.master_url:
            return None
        return Feed(
            settings.master_url, settings.master_token, ca_bundle=settings.upstream_ca_bundle
        )

    def once(
        self,
        say: Say = _quiet,
        feed: Feed | None = None,
        taking_over: str | None = None,
    ) -> PullReport:
        """Take what the feed and the inbox hold now; `say` gets one line a page or file.
        `taking_over`: the lease's holder that started this pass for it (a terminal, see
        services/pull_beside.py), whose lease is taken over as if it had run out."""
        report = PullReport()
        self._hands_over = taking_over
        try:
            own = feed or self.feed()
        except FeedConfigError as exc:
            report.refused = str(exc)
            return report
        try:
            if not self._lease(report):
                say(f"another pull is running ({report.busy_with}); nothing taken")
                return report
            if own is not None:
                self._feed(own, report, say)
            if self.station.settings.inbox is not None:
                self._inbox(report, say)
        finally:
            if own is not None and feed is None:
                own.close()
            pull_state.drop_lease(self.station.store, self.owner)
        return report

    def run(
        self,
        stop: threading.Event,
        say: Say = _quiet,
        on_report: Callable[[PullReport], None] | None = None,
        poll: float = POLL_S,
    ) -> None:
        """Pull until `stop` is set: every `poll` seconds, backing off while the feed is down."""
        wait = poll
        while not stop.is_set():
            report = self.once(say)
            if on_report is not None:
                on_report(report)
            down = report.unreachable is not None
            wait = min(wait * 2, 600.0) if down else poll
            stop.wait(wait)

    def _lease(self, report: PullReport) -> bool:
        holder = pull_state.take_lease(self.station.store, self.owner, LEASE, self._is_done)
        report.busy_with = holder
        return holder is None

    def _feed(self, feed: Feed, report: PullReport, say: Say) -> None:
        store = self.station.store
        for kind in FEED_KINDS:
            for _ in range(MAX_PAGES):
                if not self._lease(report):
                    return
                with store.read() as session:
                    cursor = pull_state.cursor(session, kind)
                try:
                    page = feed.page(kind, cursor)
                    if not page.items:
                        break
                    rows = list(enumerate(page.items, start=1))
                    keep = page.next if page.next not in (None, cursor) else None
                    taken = take(
                        store,
                        kind,
                        page.source,
                        rows,
                        clock=self.station.clock,
                        terminal=self.station.terminal,
                        keep_cursor=keep,
                        in_slices=True,
                    )
                except FeedDown as exc:
                    report.unreachable = str(exc)
                    say(f"feed down: {exc}", "warning")
                    return
                except FeedRefused as exc:
                    report.refused = str(exc)
                    say(f"feed refused: {exc}", "error")
                    return
                except (BadPage, ImportFailed) as exc:
                    problems = exc.problems if isinstance(exc, ImportFailed) else [str(exc)]
                    report.problems.extend(problems)
                    for problem in problems:
                        say(problem, "error")
                    return  # later kinds may name what this page holds: asked again next time
                report.add(taken)
                self._say_taken(taken, say)
                if keep is None:
                    break  # no new cursor: asking again would bring this page again

    def _inbox(self, report: PullReport, say: Say) -> None:
        inbox = self.station.settings.inbox
        assert inbox is not None
        for filed in take_inbox(
            self.station.store, inbox, clock=self.station.clock, terminal=self.station.terminal
        ):
            if filed.taken is None:
                report.files_failed.append(filed.name)
                report.problems.extend(filed.problems)
                say(
                    f"{filed.name} failed: moved to failed/ ({len(filed.problems)} problems)",
                    "error",
                )
                continue
            report.files_done.append(filed.name)
            report.add(filed.taken)
            self._say_taken(filed.taken, say)
            for problem in filed.problems:  # taken, but left in the inbox
                report.problems.append(problem)
                say(problem, "error")

    def _say_taken(self, taken: Taken, say: Say) -> None:
        say(f"{taken.source}: pulled {taken.created} new, {taken.updated} updated {taken.kind}")
        for conflict in taken.conflicts:
            say(f"conflict {conflict.unit} {conflict.field}: not applied", "warning")
        if taken.quality_events:
            say(f"{taken.quality_events} quality changes as hold/release by upstream")
        if taken.tasks_opened:
            say(f"{taken.tasks_opened} tasks opened by {taken.changes} order changes")
