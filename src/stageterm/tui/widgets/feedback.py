"""The stage screen's big panels: what the last scan did, and the current target.

The feedback panel spells its outcome in three-row letters (OK, REFUSED, APPROVAL, ...)
with a symbol and a sentence, so it reads across a dock and without colour. The target
card shows the target code in the same big letters.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from stageterm.domain.model import Location
from stageterm.tui.banner import banner, banner_width
from stageterm.tui.keys import CANCEL
from stageterm.tui.look import NOT_TAKEN, OUTCOMES, literal
from stageterm.tui.messages import ScanEntry, SessionView

PANEL_CLASSES = ("-ok", "-info", "-approval", "-refused", "-idle")


def _big(word: str, width: int) -> list[str]:
    """The word in big letters when it fits, else as one plain line."""
    if banner_width(word) + 2 <= width:
        return banner(word)
    return [word]


class FitsContent(Widget):
    """A panel whose height follows its content (`height: auto`).

    New content asks for a layout of the whole screen only when it changes the panel's
    height; otherwise the panel repaints its own rows. A layout costs 5-10 ms on a handheld's
    CPU, a repaint of the panel about a millisecond: one scan's answer used to lay out the
    screen three times (feedback, target, its fill)."""

    _fitted: tuple[int, int] | None = None  # (width, content height) when last refitted

    def refit(self) -> None:
        """Call after the content changed: refresh, with a layout if the height moved."""
        width = self.content_size.width
        self.refresh()  # drops the cached render and dimensions
        if not width:  # not laid out yet
            self._fitted = None
            self.refresh(layout=True)
            return
        height = self.unwrapped_height(width)
        if height is None:  # it wraps: measured as Textual measures it (the paint reuses it)
            height = self.get_content_height(self.size, self.size, width)
        fitted, self._fitted = self._fitted, (width, height)
        if fitted != self._fitted:
            self.refresh(layout=True)

    def unwrapped_height(self, width: int) -> int | None:
        """The content's height when no line of it wraps at `width` (its line count: cheap,
        where measuring lays the text out); None when one would, or may."""
        text = self.render()
        if not isinstance(text, Text) or text.plain.endswith("\n"):
            return None
        lines = text.plain.split("\n")
        if all(cell_len(line) <= width for line in lines):  # (Textual wraps even no_wrap)
            return len(lines)
        return None


class FeedbackPanel(FitsContent):
    DEFAULT_CLASSES = "feedback -idle"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entry: ScanEntry | None = None
        self.blocking = False
        self.not_taken: str | None = None
        self.idle_text = "Ready. Scan a lane, then units (or a unit, then a lane)."
        # Rows the screen can give the panel (set by the stage screen; None: no limit).
        self.room: int | None = None

    def show(self, entry: ScanEntry, *, blocking: bool) -> None:
        if not entry.taken:
            self.not_taken = entry.raw
        else:
            self.entry, self.not_taken = entry, None
        self.blocking = blocking
        look = OUTCOMES[self.entry.result.outcome] if self.entry else NOT_TAKEN
        self._set_class(look.css)
        self.refit()

    def idle(self, text: str | None = None) -> None:
        self.entry, self.blocking, self.not_taken = None, False, None
        if text is not None:
            self.idle_text = text
        self._set_class("-idle")
        self.refit()

    def _set_class(self, css: str) -> None:
        # Each change of classes restyles the panel (~1 ms): none when the look stays.
        others = [c for c in PANEL_CLASSES if c != css and self.has_class(c)]
        if others or not self.has_class(css):
            self.remove_class(*others, update=False)
            self.add_class(css)

    def render(self) -> Text:
        width = max(10, self.content_size.width or self.size.width or 80)
        text = Text(overflow="fold")
        if self.entry is None:
            text.append(self.idle_text)
            return text
        look = OUTCOMES[self.entry.result.outcome]
        below = self._below_the_word(look.symbol)
        big = _big(look.word, width)
        if self.room is not None and len(big) > 1 and self._too_tall(len(big), below, width):
            big = [look.word]  # a short screen: the word on one line, the scan field in view
        for line in big:
            text.append(line + "\n", style="bold")
        return text.append_text(below)

    def _below_the_word(self, symbol: str) -> Text:
        """The answer's sentence, and what it asks of the operator, under its word."""
        assert self.entry is not None
        result = self.entry.result
        text = Text(overflow="fold")
        text.append(f"{symbol} ", style="bold")
        text.append(literal(result.message, 300))
        if self.not_taken is not None:
            text.append(f"\nX Not taken: {literal(self.not_taken, 30)}", style="bold")
        if self.blocking:
            text.append("\n>> Press Enter to acknowledge <<", style="bold reverse")
        elif result.outcome.value == "needs_approval":
            cancel = f"{CANCEL.pressed()}: cancel"  # the key the key bar shows for it
            text.append(f"\n>> A lead scans their badge ({cancel}) <<", style="bold reverse")
        return text

    def _too_tall(self, word_rows: int, below: Text, width: int) -> bool:
        """Whether the word's rows and `below` wrapped at `width` pass the panel's room.
        A cheap upper bound first (a row wrapped at a space is more than half full unless
        its next word is longer than half a row; a longer word is folded, filling its rows),
        then, only where that does not fit, the text wrapped as Rich wraps it."""
        assert self.room is not None
        lines = below.plain.split("\n")
        bound = sum(cell_len(line) // max(1, width // 2) + 1 for line in lines)
        if word_rows + bound <= self.room:
            return False
        return word_rows + len(below.wrap(self.app.console, width)) > self.room


class TargetCard(FitsContent):
    DEFAULT_CLASSES = "target-card"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = SessionView()
        self.fill: str | None = None  # "6/8 units" for the target, filled in by the screen
        self._shown: tuple[object, ...] | None = None  # what the card was drawn from

    def show(self, session: SessionView, fill: str | None = None) -> None:
        s = session
        shown = (s.target, s.held_unit, s.quantity, s.pending, fill)
        if shown == self._shown and self._fitted is not None:
            self.session = session  # the same card: most scans leave the target as it was
            return
        self.session, self.fill, self._shown = session, fill, shown
        self.set_class(session.target is None, "-none")
        self.refit()

    def render(self) -> Text:
        width = max(10, self.content_size.width or self.size.width or 80)
        s = self.session
        text = Text(no_wrap=True, overflow="crop")
        if s.target is None:
            text.append("NO TARGET", style="bold")
            text.append("  scan a lane, kitting area or storage")
        else:
            self._target(text, s.target, width)
        if s.held_unit:
            # "In hand", not "holding": a unit on hold is quality's word.
            text.append(f"\nIn hand: {literal(s.held_unit, 24)}, scan a target", style="bold")
        if s.quantity:
            text.append(f"\nNext unit: move {s.quantity} only", style="bold")
        if s.pending:
            role = s.pending.role.value if s.pending.role else "lead"
            what = f"{literal(s.pending.unit, 20)} > {literal(s.pending.target, 12)}"
            text.append(f"\nWaiting for a {role}: {what}", style="bold")
            if s.pending.codes:  # every rule the approval overrides, named as `audit` names them
                text.append(f"\nOverrides: {literal(', '.join(s.pending.codes), 60)}")
        return text

    def _target(self, text: Text, target: Location, width: int) -> None:
        code = literal(target.code, 30)
        who = " / ".join(literal(p, 12) for p in (target.customer, target.route) if p)
        details = [
            f"TARGET {target.kind.value}",
            who or literal(target.work_order or target.name or "", 20),
            self.fill or "",
        ]
        big = banner(code) if banner_width(code) + 12 <= width else None
        if big is None:
            text.append(f"TARGET {code}", style="bold reverse")
            rest = "  ".join(d for d in details[1:] if d)
            text.append(f"  {target.kind.value}  {rest}")
            return
        for row, line in enumerate(big):
            if row:
                text.append("\n")
            text.append(line, style="bold")
            text.append("   " + details[row], style="bold" if row == 0 else "")
