"""The app's threads, started once the database is open: the scan desk that owns this
terminal's `FloorSession`, the sync worker (where upstream is set) and the pull worker
(where a feed or an inbox is set: it starts each pull pass as a child process). Daemon threads: a loop that outlives a crashed UI must
not hold the process open; they stop when the app's `stop` event is set."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stageterm.scanning import ScannerSettings

if TYPE_CHECKING:
    from stageterm.config.model import Settings
    from stageterm.services.session import FloorSession
    from stageterm.services.site import Site
    from stageterm.tui.app import StagetermApp

FULL_COLLECTION_EVERY = 100  # second-generation passes per full one (Python's default: 10)


def floor_session(site: Site, settings: Settings) -> FloorSession:
    """What a scan means at this terminal, with its scanner's settings (loads biip: call
    it off the UI thread)."""
    from stageterm.services.session import FloorSession

    scanner = ScannerSettings(
        gs_substitutes=settings.gs_substitutes,
        prefix=settings.scan_prefix,
        suffix=settings.scan_suffix,
    )
    return FloorSession(site, scanner)


def start_threads(app: StagetermApp, session: Any, stop: threading.Event) -> None:
    # What exists now (Textual, SQLAlchemy, the screens) lives as long as the app: keep it
    # out of the collector's full passes, which otherwise stall a board refresh now and then.
    gc.freeze()
    # And full passes rarer: a board refresh leaves a new set of rows for the collector
    # to track; with the stock threshold a 10-40 ms full pass landed every 1-2 s of
    # refreshes (measured in benchmarks/tui_lanes_board.py).
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    _thread("scan desk", app.desk.run, session, stop)
    if app.sync is not None:
        _thread("sync", app.sync.worker.run, stop)
    settings = app.settings
    if settings.master_url or settings.inbox:
        # Master data in: one worker per site at a time (the pull lease decides which
        # terminal's), each pass a child process so that it never holds up a scan; it
        # logs, the screens learn of new data through the change counter.
        from stageterm.services.pull_beside import PullBeside

        _thread("pull", PullBeside(app.site.station).run, stop, app.log.info)


def _thread(name: str, target: Callable[..., object], *args: object) -> None:
    threading.Thread(target=target, args=args, name=name, daemon=True).start()
