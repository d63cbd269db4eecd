"""The scan field: where scanner bursts and hand-typed codes arrive, on every screen.

A keyboard-wedge scanner types a code and ends it with CR, LF (ctrl+j) or Tab. Textual's
stock `Input` submits through a key binding that runs only after the key has bubbled up
to the App, by which time the characters of the next scan are already in the field: two
back-to-back scans merge. Here the scan ends inside the field's own key handler, which
reads and clears the value in the same step, so every scan stays whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Input

GS = "\x1d"
GS_SHOWN = "\u241d"  # the field shows the GS1 separator as a visible symbol

TERMINATORS: frozenset[str] = frozenset({"enter", "ctrl+m", "ctrl+j", "tab"})

# A bare terminator this soon after the end of a scan is part of that scanner burst (a
# CR LF suffix, say), not an operator pressing Enter to acknowledge a refusal.
SETTLE_S = 0.15

MAX_LENGTH = 1024  # the scanning rules refuse anything over 512; the rest is a stuck key


class EndsOnKey(Input):
    """An Input that ends its entry on CR, LF or Tab in its own key handler."""

    # What a finished entry does: each field (scan or prompt) provides its own.
    ended: Callable[[str, float], None]

    def __init__(
        self, *, placeholder: str = "", password: bool = False, id: str | None = None
    ) -> None:
        super().__init__(
            placeholder=placeholder,
            password=password,
            max_length=MAX_LENGTH,
            select_on_focus=False,
            id=id,
        )
        self.cursor_blink = False
        self._ended_at = 0.0  # when the last non-empty entry ended

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls the base classes' handlers after this one unless the default is
        # prevented: so only the keys handled here prevent it.
        if event.key in TERMINATORS:
            event.prevent_default()
            event.stop()
            text, self.value = self.value, ""
            quiet = event.time - self._ended_at
            if text.strip():
                self._ended_at = event.time
            self.ended(text.replace(GS_SHOWN, GS), quiet)
        elif event.character == GS:
            event.prevent_default()
            event.stop()
            self.insert_text_at_cursor(GS_SHOWN)

    def _on_paste(self, event: events.Paste) -> None:
        """A paste may hold several scans: each line (or tab-separated piece) is one."""
        pieces = (
            event.text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "\n").split("\n")
        )
        event.stop()
        event.prevent_default()
        for piece in pieces[:-1]:
            self.insert_text_at_cursor(piece)
            text, self.value = self.value, ""
            self._ended_at = event.time
            self.ended(text.replace(GS_SHOWN, GS), 0.0)
        self.insert_text_at_cursor(pieces[-1])

    @property
    def _value(self) -> Text:
        if self.password:
            return Text("*" * len(self.value), no_wrap=True, overflow="ignore", end="")
        return Text(self.value, no_wrap=True, overflow="ignore", end="")


class ScanField(EndsOnKey):
    """Posts `Scanned` for every scan and `Confirmed` for a bare Enter on the empty field."""

    DEFAULT_CLASSES = "scan-field"

    @dataclass
    class Scanned(Message):
        field: ScanField
        raw: str

    @dataclass
    class Confirmed(Message):
        """Enter on the empty field: acknowledges a refusal, or opens the highlighted row."""

        field: ScanField

    def ended(self, text: str, quiet: float) -> None:
        if text.strip():
            self.post_message(self.Scanned(self, text))
        elif quiet >= SETTLE_S:
            self.post_message(self.Confirmed(self))


class PromptField(EndsOnKey):
    """A one-value prompt (PIN, quantity): posts `Entered` when ended."""

    @dataclass
    class Entered(Message):
        field: PromptField
        value: str

    def ended(self, text: str, quiet: float) -> None:
        self.post_message(self.Entered(self, text))
