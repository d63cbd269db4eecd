"""The drain: claim the head of the outbox, post it, record the answer, repeat.

`SyncWorker` is what both `stageterm sync` and the terminal UI's background thread run
(it imports nothing of the UI). `drain_once` sends what is pending now; `run` keeps
draining until told to stop, waiting longer and longer (tenacity's exponential backoff
with jitter) while upstream stays down.

Delivery is at-least-once: a batch is marked synced only after upstream's 2xx, so a
crash between the two resends that batch, with the same eventIDs, and nothing else.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
    wait_random_exponential,
)

from stageterm.store.engine import Store
from stageterm.sync import ahead, outbox, status
from stageterm.sync.epcis import EPCIS_MEDIA_TYPE, Encoder, EpcisMapper, Format
from stageterm.sync.facts import FactsCache
from stageterm.sync.identifiers import Namer
from stageterm.sync.options import SyncOptions, content_type_from
from stageterm.sync.uplink import Answer, Uplink, Verdict, safe_url

if TYPE_CHECKING:  # the settings model is heavy to import; a worker only reads it
    from stageterm.config.model import Settings

log = logging.getLogger("stageterm.sync")
# A library does not print: without a handler configured by the application, Python's
# last-resort handler would write our warnings to stderr next to the CLI's own line.
log.addHandler(logging.NullHandler())
BUSY_WAIT = 0.1  # seconds between looks while another terminal sends the head of the queue


class Stopped(Exception):
    """The worker was asked to stop while it waited."""


class LeaseLost(Exception):
    """Our lease ran out and another worker took the batch: it sends it, not us."""


@dataclass
class DrainReport:
    """What one drain did."""

    sent: int = 0
    """Events upstream now has (including ones a 409 said it already had)."""
    rejected: int = 0
    requests: int = 0
    batches: int = 0
    made_ahead: int = 0
    """Batches whose bodies were made in forked processes (sync/ahead.py)."""
    unreachable: bool = False
    """5xx, timeouts or refused connections outlasted the retries; the events wait."""
    refused: bool = False
    """Upstream refuses us (address, credentials, TLS trust); the events wait."""
    unconfirmed: bool = False
    """Upstream's capture job did not finish while we waited; the events wait."""
    stopped: bool = False
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.unreachable or self.refused or self.unconfirmed


class SyncWorker:
    def __init__(
        self,
        store: Store,
        *,
        url: str,
        token: SecretStr | None = None,
        site: str = "site",
        sgln_prefix: str = "",
        ca_bundle: str = "",
        terminal: str = "",
        options: SyncOptions | None = None,
        content_type: str = EPCIS_MEDIA_TYPE,
    ) -> None:
        self.store = store
        self.options = options or SyncOptions()
        self.owner = outbox.new_owner()
        self.encoder = Encoder(
            self.options.format, EpcisMapper(Namer(site, sgln_prefix)), content_type
        )
        self._uplink_args = {
            "url": url,
            "token": token,
            "ca_bundle": ca_bundle,
            "terminal": terminal,
            "site": site,
        }
        self._uplink: Uplink | None = None
        self._wake = threading.Event()
        self._never = threading.Event()
        if url:
            self._make_uplink()  # fail early on a bad URL or CA bundle
        status.ensure_status_row(store)

    @classmethod
    def from_settings(
        cls, store: Store, settings: Settings, options: SyncOptions | None = None
    ) -> SyncWorker:
        return cls(
            store,
            url=settings.upstream_url,
            token=settings.upstream_token,
            site=settings.site,
            sgln_prefix=settings.sgln_prefix,
            ca_bundle=settings.upstream_ca_bundle,
            terminal=settings.terminal_id(),
            options=options,
            content_type=content_type_from(settings),
        )

    def __repr__(self) -> str:
        return f"SyncWorker(owner={self.owner!r})"

    @property
    def shown_url(self) -> str:
        """Upstream's address as it may be shown (no user:password@)."""
        return safe_url(str(self._uplink_args["url"]))

    def _make_uplink(self) -> Uplink:
        if self._uplink is None:
            args = self._uplink_args
            self._uplink = Uplink(
                str(args["url"]),
                args["token"] if isinstance(args["token"], SecretStr) else None,
                ca_bundle=str(args["ca_bundle"]),
                connect_timeout=self.options.connect_timeout,
                read_timeout=self.options.read_timeout,
                deadline=self.options.deadline,
                job_wait=self.options.job_wait,
                terminal=str(args["terminal"]),
                site=str(args["site"]),
            )
        return self._uplink

    # -- what the UI and the CLI call --------------------------------------------------

    def status(self, list_rejected: int = 0) -> status.SyncStatus:
        return status.read_status(self.store, list_rejected=list_rejected)

    def wake(self) -> None:
        """Cut the idle wait short (the UI calls this after recording an event)."""
        self._wake.set()

    def drain_once(self, stop: threading.Event | None = None) -> DrainReport:
        """Send everything pending now, in seq order, batch by batch."""
        stop = stop or self._never
        report = DrainReport()
        up_to = outbox.max_pending_seq(self.store)
        limit = self.options.batch
        # A delivered batch is marked synced in the transaction that leases the next one.
        delivered: list[int] = []
        if up_to is not None and self._may_fork():
            limit, delivered = self._drain_ahead(up_to, stop, report)
        cache = FactsCache()
        while up_to is not None and not stop.is_set() and not report.failed:
            claim = self._claim(report, limit, up_to, delivered, cache=cache)
            delivered = []
            if claim.busy_with:
                if stop.wait(BUSY_WAIT):
                    break
                continue
            if not claim.events:
                break
            try:
                body = self.encoder.body(claim.events, claim.facts)
                answer = self._deliver(body, claim.seqs, stop, report)
            except Stopped:
                outbox.release(self.store, self.owner)
                report.stopped = True
                break
            except LeaseLost:
                log.warning("lease on a batch ran out and another worker took it over: it sends it")
                continue
            report.batches += 1
            if answer.verdict is Verdict.DELIVERED and not answer.duplicates:
                delivered = claim.seqs  # marked with the next lease
                limit = self.options.batch
                continue
            ids = {e.id: e.seq for e in claim.events if e.seq is not None}
            limit = self._record(claim.seqs, ids, answer, report, limit)
        if delivered:  # stopped after a delivery: marked on its own
            report.sent += outbox.mark_synced(self.store, delivered)
        report.stopped = report.stopped or stop.is_set()
        return report

    def _claim(
        self,
        report: DrainReport,
        limit: int,
        up_to: int,
        delivered: list[int],
        **how: Any,
    ) -> outbox.Claim:
        """Lease the next batch, marking the one delivered before it (counted as sent)."""
        claim = outbox.claim(
            self.store,
            self.owner,
            limit=limit,
            lease=self.options.lease_time,
            up_to_seq=up_to,
            synced=delivered,
            **how,
        )
        report.sent += claim.marked
        return claim

    # -- a big backlog: bodies made ahead on the other cores (sync/ahead.py) ------------

    def _may_fork(self) -> bool:
        """No thread but this one (and the store's WAL checkpoints, paused to fork)."""
        alone = threading.active_count() <= 1 + (self.store.checkpointer is not None)
        return alone and ahead.worth_it()

    def _drain_ahead(
        self, up_to: int, stop: threading.Event, report: DrainReport
    ) -> tuple[int, list[int]]:
        """Send the backlog with its bodies made in forked processes while all goes well.
        Returns the batch size to go on with and the seqs delivered but not yet marked."""
        limit = self.options.batch
        if not ahead.fits(limit) or not outbox.pending_at_least(
            self.store, ahead.AHEAD_FROM_BATCHES * limit, up_to
        ):
            return limit, []
        with self.store.forking() as safe:
            if not safe:
                return limit, []
            try:
                makers = ahead.BodyMakers(self.store.url, self.encoder)
            except OSError as exc:  # no fork here (out of processes, memory): one core it is
                log.info("bodies not made ahead: %s", exc)
                return limit, []
        try:
            return self._send_ahead(makers, up_to, stop, report)
        finally:
            makers.close()

    def _send_ahead(
        self, makers: ahead.BodyMakers, up_to: int, stop: threading.Event, report: DrainReport
    ) -> tuple[int, list[int]]:
        # Leased batches in seq order: their seqs, their maker, when they were leased.
        asked: deque[tuple[list[int], int, float]] = deque()
        delivered: list[int] = []
        renewed = 0.0  # when every lease held was last renewed (monotonic)
        leasing = True
        limit = self.options.batch

        def untried() -> list[int]:
            return [seq for batch, _, _ in asked for seq in batch]

        try:
            while not stop.is_set():
                while leasing and len(asked) < makers.room:
                    leased = time.monotonic()  # the lease runs from before its transaction
                    claim = self._claim(
                        report, limit, up_to, delivered, holding=untried(), read=False
                    )
                    delivered = []
                    leasing = bool(claim.seqs) and not (claim.busy_with or claim.behind)
                    if leasing:
                        asked.append((claim.seqs, makers.ask(claim.seqs), leased))
                if not asked:
                    return limit, delivered
                seqs, maker, leased = asked[0]
                made = makers.answer(maker, seqs, stop)
                if made is None:
                    raise Stopped
                renewed = self._keep_leases(untried(), max(leased, renewed))
                asked.popleft()
                report.made_ahead += 1
                answer = self._deliver(made.body, seqs, stop, report, held=untried())
                report.batches += 1
                if answer.verdict is not Verdict.DELIVERED or answer.duplicates:
                    # The batches leased ahead go back untried, and this one's answer is read
                    # as one process reads it; the drain goes on (or ends) in this process.
                    outbox.give_back(self.store, self.owner, untried())
                    return self._record(seqs, made.ids, answer, report, limit), delivered
                if leasing:
                    delivered = seqs  # marked with the next lease
                else:  # no next lease: the last batches leased ahead are marked one by one
                    report.sent += outbox.mark_synced(self.store, seqs)
            outbox.give_back(self.store, self.owner, untried())  # stopped between two batches
            return limit, delivered
        except ahead.MakerFailed as failed:
            log.warning("%s; the drain goes on in this process", failed)
            outbox.give_back(self.store, self.owner, untried())  # made here, in order
            return limit, delivered
        except (Stopped, LeaseLost) as ended:
            outbox.give_back(self.store, self.owner, untried())
            outbox.release(self.store, self.owner)  # the batch tried, as one process does
            if isinstance(ended, LeaseLost):
                log.warning("a lease ran out and another worker took the batch: it sends it")
            report.stopped = isinstance(ended, Stopped)
            return limit, delivered
        except BaseException:  # a second Ctrl-C, the database failing: nothing counted twice
            with suppress(Exception):
                outbox.give_back(self.store, self.owner, untried())
            raise

    def _keep_leases(self, held: list[int], oldest: float) -> float:
        """Before the first of the batches leased ahead (`held`) is posted: all their
        leases renewed (uncounted) once the oldest has run a quarter of its time, so none
        runs out while requests before it take their time (a slow upstream). Returns when
        they were last renewed; LeaseLost when one ran out anyway (nothing of it sent)."""
        lease = self.options.lease_time
        now = time.monotonic()
        if now - oldest < lease.total_seconds() / 4:
            return oldest
        if not outbox.renew(self.store, self.owner, (), lease, held=held):
            raise LeaseLost
        return now

    def run(
        self,
        stop: threading.Event,
        on_report: Callable[[DrainReport], None] | None = None,
        also: Callable[[], object] | None = None,
    ) -> None:
        """Drain until `stop` is set; between drains wait `poll`, or back off while upstream is down.
        `also` runs after every drain, upstream up or down (posting alerts, SPEC §6c)."""

        def drain() -> DrainReport:
            report = self.drain_once(stop)
            if on_report is not None:
                on_report(report)
            if also is not None:
                try:
                    also()
                except Exception:  # a failing side job (alerts) must not stop the sync
                    log.exception("after the drain")
            return report

        first = max(self.options.retry_initial, self.options.poll, 0.05)
        outage = Retrying(
            retry=retry_if_result(lambda r: r.failed and not stop.is_set()),
            # Between drains during an outage: doubling waits plus jitter, so terminals that
            # lost upstream together do not all come back in the same second.
            wait=wait_exponential(multiplier=first, max=self.options.outage_max)
            + wait_random(0, first),
            stop=lambda _state: stop.is_set(),
            sleep=self._sleeper(stop),
            before_sleep=self._note_next_attempt,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        )
        try:
            while not stop.is_set():
                outage(drain)
                self._idle(stop, self.options.poll)
        except Stopped:
            pass
        finally:
            outbox.release(self.store, self.owner)

    def close(self) -> None:
        if self._uplink is not None:
            self._uplink.close()
            self._uplink = None

    # -- one batch -----------------------------------------------------------------------

    def _deliver(
        self,
        body: bytes,
        seqs: list[int],
        stop: threading.Event,
        report: DrainReport,
        held: list[int] | None = None,
    ) -> Answer:
        """Post the batch, retrying transient failures with exponential backoff and jitter.
        `held`: later batches leased ahead, whose leases are renewed with this one's."""
        uplink = self._make_uplink()
        epcis = self.encoder.format is Format.EPCIS
        sleep = self._sleeper(stop)
        backoff = wait_random_exponential(
            multiplier=self.options.retry_initial, max=self.options.retry_max
        )

        def attempt() -> Answer:
            # The claim leased the batch for the first try; later tries renew the lease first.
            report.requests += 1
            return uplink.post(body, self.encoder.media_type, epcis=epcis, sleep=sleep)

        def before(state: RetryCallState) -> None:
            if state.attempt_number > 1 and not outbox.renew(
                self.store, self.owner, seqs, self.options.lease_time, held=held or ()
            ):
                raise LeaseLost

        def wait(state: RetryCallState) -> float:
            # Honour a Retry-After from upstream when it asks for more than our backoff.
            answer = state.outcome.result() if state.outcome and not state.outcome.failed else None
            asked = answer.retry_after if isinstance(answer, Answer) and answer.retry_after else 0.0
            return min(max(backoff(state), asked), self.options.retry_max)

        retrying = Retrying(
            retry=retry_if_result(lambda a: a.verdict is Verdict.TRANSIENT),
            wait=wait,
            stop=stop_after_attempt(self.options.retry_attempts),
            before=before,
            before_sleep=self._note_retry,
            sleep=sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            reraise=True,
        )
        answer: Answer = retrying(attempt)
        return answer

    def _record(
        self,
        seqs: list[int],
        by_id: dict[str, int],
        answer: Answer,
        report: DrainReport,
        limit: int,
    ) -> int:
        """Write what upstream said about the batch (`by_id`: its event ids' seqs); returns
        the batch size to use next. Gives back every batch `owner` holds but a delivered one."""
        verdict = answer.verdict
        if verdict is Verdict.DELIVERED:
            if answer.duplicates:
                # A 409 that names the ids it had: those are delivered, the rest go again.
                done = [by_id[i] for i in answer.duplicates if i in by_id]
                report.sent += outbox.mark_synced(self.store, done)
                outbox.release(self.store, self.owner)
            else:
                report.sent += outbox.mark_synced(self.store, seqs)
            return self.options.batch
        if verdict is Verdict.TOO_LARGE and len(seqs) > 1:
            outbox.release(self.store, self.owner)
            return max(1, len(seqs) // 2)
        if verdict in (Verdict.REJECTED, Verdict.TOO_LARGE):
            named = {by_id[i]: reason for i, reason in answer.rejected.items() if i in by_id}
            reasons = named or dict.fromkeys(seqs, answer.message)
            report.rejected += outbox.mark_rejected(self.store, reasons)
            outbox.release(self.store, self.owner)  # the rest go in the next request
            status.record_failure(self.store, answer.message, None)
            log.warning("%d events rejected: %s", len(reasons), answer.message)
            return limit
        outbox.release(self.store, self.owner, error=answer.message)
        next_at = datetime.now(UTC) + timedelta(seconds=self.options.retry_initial)
        status.record_failure(self.store, answer.message, next_at)
        report.error = answer.message
        report.unreachable = verdict is Verdict.TRANSIENT
        report.refused = verdict is Verdict.REFUSED
        report.unconfirmed = verdict is Verdict.UNCONFIRMED
        log.warning("not sent: %s", answer.message)
        return limit

    # -- waiting -------------------------------------------------------------------------

    def _sleeper(self, stop: threading.Event) -> Callable[[float], None]:
        def sleep(seconds: float) -> None:
            if stop.wait(seconds):
                raise Stopped

        return sleep

    def _idle(self, stop: threading.Event, seconds: float) -> None:
        """Wait `seconds`, or less if stopped or woken."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if stop.wait(min(0.1, left)):
                raise Stopped
            if self._wake.is_set():
                self._wake.clear()
                return

    def _note_retry(self, state: RetryCallState) -> None:
        answer = state.outcome.result() if state.outcome and not state.outcome.failed else None
        message = answer.message if isinstance(answer, Answer) else "upstream failed"
        seconds = state.upcoming_sleep
        log.info("%s; retrying in %.1f s", message, seconds)
        status.record_failure(self.store, message, datetime.now(UTC) + timedelta(seconds=seconds))

    def _note_next_attempt(self, state: RetryCallState) -> None:
        report = state.outcome.result() if state.outcome and not state.outcome.failed else None
        message = (
            report.error if isinstance(report, DrainReport) and report.error else "upstream failed"
        )
        at = datetime.now(UTC) + timedelta(seconds=state.upcoming_sleep)
        status.record_failure(self.store, message, at)
