"""The stage screen (home): the target, the big feedback panel, the scan field and the
running list of this session's scans."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.widget import Widget

from stageterm.domain.model import Location, LocationKind
from stageterm.tui.keys import (
    BUFFERS,
    CANCEL,
    HELP,
    KITTING,
    LANES,
    PRINT,
    QUANTITY,
    QUIT,
    RELEASE,
    SIGN_OUT,
    SYNC,
    UNIT,
    Key,
)
from stageterm.tui.look import capacity
from stageterm.tui.messages import ScanEntry, SessionView
from stageterm.tui.screens.base import FloorScreen
from stageterm.tui.widgets.feedback import FeedbackPanel, TargetCard
from stageterm.tui.widgets.scanlog import ScanLog

if TYPE_CHECKING:
    from stageterm.services.site import Site


# Targets whose card says how full they are ("9/8 units here OVER").
FILLS = (LocationKind.LANE, LocationKind.KITTING, LocationKind.BUFFER)


class StageScreen(FloorScreen):
    HEADING = "STAGE"
    # In this order as far as the width allows (quit always): at 40 columns help, lanes,
    # cancel (the key the approval panel names), quit.
    KEYS: ClassVar[tuple[Key, ...]] = (
        HELP, LANES, CANCEL, UNIT, KITTING, SYNC, QUANTITY, SIGN_OUT, BUFFERS, PRINT, RELEASE,
        QUIT,
    )  # fmt: skip
    PLACEHOLDER = "scan a lane or a unit"

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        self.session = SessionView()
        # Answers that arrive before the widgets exist (the first one, at sign-in).
        self._early: list[tuple[ScanEntry, SessionView, int | None]] = []

    def body(self) -> Iterable[Widget]:
        yield TargetCard(id="target")
        yield FeedbackPanel(id="feedback")

    def below_scan(self) -> Iterable[Widget]:
        yield ScanLog(id="log")

    def ready(self) -> None:
        early, self._early = self._early, []
        for entry, session, blocking in early:
            self.record(entry, session, blocking)

    def record(self, entry: ScanEntry, session: SessionView, blocking: int | None) -> None:
        """A scan's answer: into the panel and the running list."""
        if not self.query(FeedbackPanel):
            self._early.append((entry, session, blocking))
            return
        self.set_session(session)  # first: the target card's height leaves the panel room
        panel = self.query_one(FeedbackPanel)
        panel.room = self._room_for_the_answer()
        panel.show(entry, blocking=blocking is not None)
        self.query_one(ScanLog).add(entry)

    def _room_for_the_answer(self) -> int | None:
        """Rows left for the feedback panel between the title bar and target card above and
        the scan field, a row of the running list and the key bar below (Textual gives the
        list a row even when none is left: the screen then scrolls, its scroll bar takes two
        columns, the text wraps to more rows, and the scan field leaves the screen)."""
        card = self.query_one(TargetCard)
        height, width = self.size.height, card.content_size.width
        if not height or not width:
            return None  # not laid out yet: no limit
        card_rows = card.unwrapped_height(width)
        if card_rows is None:  # the card wraps: measured as Textual measures it
            card_rows = card.get_content_height(card.size, card.size, width)
        return height - 1 - card_rows - 1 - 1 - 1  # title bar, card, scan field, list, key bar

    def _refit_the_answer(self) -> None:
        """The card changed height (its fill came, the screen was resized): the panel's
        room again, and the panel refitted if that changes what it shows."""
        panel = self.query_one(FeedbackPanel)
        room = self._room_for_the_answer()
        if room != panel.room:
            panel.room = room
            if panel.entry is not None:
                panel.refit()

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit_the_answer)  # once the new layout is in place

    def acknowledged(self, session: SessionView) -> None:
        if session.pending is not None:  # a refusal on the way (a wrong PIN): still waiting
            cancel = f"{CANCEL.pressed()}: cancel"
            text = f"Acknowledged. Still waiting: a lead scans their badge ({cancel})."
        else:
            text = "Acknowledged. Scan again."
        self.query_one(FeedbackPanel).idle(text)
        self.set_session(session)

    def set_session(self, session: SessionView) -> None:
        moved_target = session.target != self.session.target
        self.session = session
        card = self.query_one(TargetCard)
        card.show(session, card.fill if not moved_target else None)
        if session.target is not None and session.target.kind in FILLS:
            self.load()  # how full the target is now (a read in a worker thread)

    def fetch(self) -> tuple[Location | None, str | None]:
        """How full the target is, with the target it was read for."""
        target = self.session.target
        if target is None or target.kind not in FILLS:
            return target, None
        found = self.site.views.lane(target.code)
        if found is None:
            return target, None
        _location, units = found
        cap = f"/{target.capacity}" if target.capacity else ""
        word = capacity(len(units), target.capacity)[0].partition(" ")[2]  # OVER, FULL or ""
        noun = "unit" if len(units) == 1 and not cap else "units"  # "1/12 units", "1 unit"
        return target, f"{len(units)}{cap} {noun} here {word}".rstrip()

    def show(self, data: tuple[Location | None, str | None]) -> None:
        target, fill = data
        if target == self.session.target:  # a read for an earlier target is not this one's
            self.query_one(TargetCard).show(self.session, fill)
            self.call_after_refresh(self._refit_the_answer)  # the card may have grown
