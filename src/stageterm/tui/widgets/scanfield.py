"""The scan field: where scanner bursts and hand-typed codes arrive, on every screen.

A keyboard-wedge scanner types a code and ends it with CR, LF (ctrl+j) or Tab. Textual's
stock `Input` submits through a key binding that runs only after the key has bubbled up
to the App, by which time the characters of the next scan are already in the field: two
back-to-back scans merge. Here the scan ends inside the field's own key handler, which
reads and clears the value in the same step, so every scan stays whole.

Hostile scans (SPEC §4): a control character or an escape sequence arriving inside a
burst is part of that scan, not a key to obey: it is kept (shown as a control picture)
and makes the whole scan unreadable when it ends. Keys a person presses (editing keys,
function and Ctrl keys) are keys only when they do not arrive inside a burst. A C1
control is never a key. The field keeps at most one character past the scanning limit:
a pasted file or a stuck key costs no more than a long scan, and is answered "too long".
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input

from stageterm.scanning.hostile import is_control
from stageterm.scanning.scans import ScannerSettings

GS = "\x1d"
GS_SHOWN = "\u241d"  # the field shows the GS1 separator as a visible symbol
ESC = "\x1b"

TERMINATORS: frozenset[str] = frozenset({"enter", "ctrl+m", "ctrl+j", "tab"})

# A bare terminator this soon after the end of a scan is part of that scanner burst (a
# CR LF suffix, say), not an operator pressing Enter to acknowledge a refusal.
SETTLE_S = 0.15

# A key this soon after the field's last character belongs to the same burst: scanners
# send a character every 0-10 ms, the quickest hands about every 60 ms.
BURST_GAP_S = 0.04

LIMIT = ScannerSettings().max_length
# One character past the limit is enough for the scanning rules to say "too long"; the
# rest of a paste or a stuck key is not kept (it cost seconds and hundreds of MB).
KEEP = LIMIT + 1

_MODIFIERS = ("alt+", "ctrl+", "super+", "meta+", "hyper+")


def _picture(control: str) -> str:
    """What the field shows for a control character it keeps: its Unicode control
    picture (␀, ␛, ␡), or � for a C1 control or a key with no character."""
    code = ord(control[0])
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


_PICTURES = frozenset({*(chr(0x2400 + c) for c in range(0x20)), "\u2421", "\ufffd"})


def plain_character(message: Message) -> bool:
    """A key that types one printable character and nothing else: no control (C0, C1, GS,
    DEL), no modifier, no key parsed out of an escape sequence."""
    if not isinstance(message, events.Key):
        return False
    char = message.character
    return (
        char is not None
        and len(char) == 1
        and char.isprintable()
        and not 0x80 <= ord(char) < 0xA0
        and message.is_printable
        and not message.key.startswith(_MODIFIERS)
    )


class Typed(Message, bubble=False):
    """Printable characters that came in one read from the terminal (a scanner's burst, or
    part of one), as the key events the input parser made of them, with the Enter, LF or
    Tab that ended them when it came in the same read.

    Seven key events a scan, each through the app's, the screen's and the field's queues,
    were a third of a scan's time to the screen. The terminal driver (tui/driver.py) hands
    a run of plain characters over as one message; the app gives it to the focused scan or
    prompt field in one step, which takes it as it would have taken the keys one by one
    (`EndsOnKey.typed`). Anything else (a control character, an escape sequence, a key with
    a modifier, a terminator not right after characters) still arrives as its own key
    event, in order.
    """

    def __init__(self, keys: Sequence[events.Key]) -> None:
        super().__init__()
        self.keys = tuple(keys)  # every key, in order (the terminator last, if any)
        last = self.keys[-1]
        self.end = last if last.key in TERMINATORS else None
        self.chars = self.keys[:-1] if self.end is not None else self.keys


def grouped(messages: Iterable[Message]) -> list[Message]:
    """The parser's messages of one read with each run of plain characters as one `Typed`
    (two or more of them, or any with the terminator right after them); order kept."""
    out: list[Message] = []
    run: list[events.Key] = []

    def flush() -> None:
        if len(run) > 1:
            out.append(Typed(run.copy()))
        else:
            out.extend(run)
        run.clear()

    for message in messages:
        if plain_character(message):
            run.append(message)  # type: ignore[arg-type]  # plain_character: a Key
        elif run and isinstance(message, events.Key) and message.key in TERMINATORS:
            out.append(Typed([*run, message]))
            run.clear()
        else:
            flush()
            out.append(message)
    flush()
    return out


class EndsOnKey(Input):
    """An Input that ends its entry on CR, LF or Tab in its own key handler."""

    # The stock Input sets its virtual (scrollable) width on every character, and Widget's
    # `virtual_size` asks for a layout of the whole screen when it changes: seven layouts a
    # scan, 4-8 ms each. The field's own size never depends on its value (its width comes
    # from the screen's CSS), and scrolling within it reads `virtual_size` directly: a
    # repaint of the field is all a new character needs.
    virtual_size = Reactive(Size(0, 0), layout=False, repaint=True)

    # What a finished entry does: each field (scan or prompt) provides its own.
    ended: Callable[[str, float], None]

    def __init__(
        self, *, placeholder: str = "", password: bool = False, id: str | None = None
    ) -> None:
        super().__init__(
            placeholder=placeholder,
            password=password,
            select_on_focus=False,
            id=id,
        )
        self.cursor_blink = False
        self._ended_at = 0.0  # when the last non-empty entry ended
        self._last_at = 0.0  # when the last character arrived (its key event's time)
        self._controls: list[str] = []  # control characters kept in this entry, in order
        # A control key on the empty field that did nothing (NUL is ctrl+@): the start of
        # a burst if characters follow at once, else a person's stray key.
        self._lead: tuple[str, float] | None = None

    def post_message(self, message: Message) -> bool:
        # Input posts Changed on every character, through the field's, the screen's and the
        # app's queues: nothing here listens, and a scan is whole only when it ends.
        if isinstance(message, Input.Changed):
            return False
        return super().post_message(message)

    # -- a burst in progress ----------------------------------------------------------------

    def mid_burst(self, key_arrived: float) -> bool:
        """A key that arrived at `key_arrived` (its event's time) came faster after the
        field's last character than hands type: it is part of the same burst."""
        return bool(self.value) and key_arrived - self._last_at < BURST_GAP_S

    def _arrived(self, event: events.Key) -> None:
        self._last_at = event.time

    def _is_hostile(self, event: events.Key) -> bool:
        """A key that is part of the scan as a control character, not a key to obey."""
        char = event.character
        if char is not None and len(char) == 1 and 0x80 <= ord(char) < 0xA0:
            return True  # a C1 control: no key a person presses sends one
        plain = event.is_printable and not event.key.startswith(_MODIFIERS)
        return not plain and self.mid_burst(event.time)

    def _keep_control(self, event: events.Key) -> None:
        char = event.character
        if char and len(char) == 1 and is_control(char):
            control = char
        elif char and char.isprintable():  # ESC + a character: the parser's alt+x
            control = ESC + char
        else:  # a key parsed out of an escape sequence (up, f2): its bytes are gone
            control = ESC
        self._controls.append(control)
        if len(self.value) < KEEP:
            self.insert_text_at_cursor(_picture(control))

    def _take(self) -> str:
        """The entry as it arrived (GS and control characters back in place); clears it."""
        text, self.value = self.value, ""
        text = text.replace(GS_SHOWN, GS)
        controls, self._controls = self._controls, []
        if controls:
            pending = iter(controls)
            text = "".join(next(pending, char) if char in _PICTURES else char for char in text)
        return text

    # -- keys ---------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls the base classes' handlers after this one unless the default is
        # prevented: so only the keys handled here prevent it.
        if event.key in TERMINATORS:
            event.prevent_default()
            event.stop()
            self._end(event)
        elif event.character == GS:
            event.prevent_default()
            event.stop()
            self._arrived(event)
            if len(self.value) < KEEP:
                self.insert_text_at_cursor(GS_SHOWN)
        elif self._is_hostile(event):
            event.prevent_default()
            event.stop()
            self._arrived(event)
            self._keep_control(event)
        elif event.is_printable:
            lead, self._lead = self._lead, None
            if lead is not None and not self.value and event.time - lead[1] < BURST_GAP_S:
                self._controls.append(lead[0])
                self.insert_text_at_cursor(_picture(lead[0]))
            self._arrived(event)
            if len(self.value) >= KEEP:  # past the limit: not kept, and no bell per key
                event.prevent_default()
                event.stop()
        elif not self.value and event.character and is_control(event.character):
            self._lead = (event.character, event.time)

    def _end(self, key: events.Key) -> None:
        """A terminator (Enter, LF, Tab) ends the entry."""
        quiet = key.time - self._ended_at
        text = self._take()
        if text.strip():
            self._ended_at = key.time
        self.ended(text, quiet)

    def _on_typed(self, message: Typed) -> None:
        message.stop()
        self.typed(message.chars)
        if message.end is not None:
            self._end(message.end)

    def typed(self, keys: Sequence[events.Key]) -> None:
        """Plain characters that arrived together (`Typed`), taken as `_on_key` takes them
        one at a time: a control key just before them leads the scan, the field keeps at
        most `KEEP` characters, a selection is replaced."""
        lead, self._lead = self._lead, None
        if lead is not None and not self.value and keys[0].time - lead[1] < BURST_GAP_S:
            self._controls.append(lead[0])
            self.insert_text_at_cursor(_picture(lead[0]))
        self._last_at = keys[-1].time
        chars = [key.character or "" for key in keys]
        if len(self.value) >= KEEP:  # past the limit: not kept
            return
        selection = self.selection
        if not selection.is_empty:  # the first character replaces it, as a key would
            self.replace(chars.pop(0), *selection)
        text = "".join(chars)[: max(0, KEEP - len(self.value))]
        if text:
            self.insert_text_at_cursor(text)

    def _on_paste(self, event: events.Paste) -> None:
        """A paste may hold several scans: each line (or tab-separated piece) is one.
        Each piece is cut one character past the limit before it reaches the field."""
        pieces = (
            event.text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "\n").split("\n")
        )
        event.stop()
        event.prevent_default()
        for piece in pieces[:-1]:
            self._insert_bounded(piece)
            self._ended_at = event.time
            self.ended(self._take(), 0.0)
        self._insert_bounded(pieces[-1])

    def _insert_bounded(self, piece: str) -> None:
        room = KEEP - len(self.value)
        if room > 0 and piece:
            self.insert_text_at_cursor(piece[:room])

    @property
    def _value(self) -> Text:
        if self.password:
            return Text("*" * len(self.value), no_wrap=True, overflow="ignore", end="")
        return Text(self.value, no_wrap=True, overflow="ignore", end="")


class BurstWatch:
    """Tells, as each key reaches the app, whether it came inside a burst of characters.

    Widgets handle keys later, from their own queues: when the app weighs a Ctrl or
    function key (BEL from an OSC sequence is Ctrl-G, Help) the scan field may not have
    seen the characters before it yet. So the app keeps the arrival times itself.
    """

    def __init__(self) -> None:
        self._char_at = float("-inf")  # when the last character key arrived
        self.inside = False  # the key that arrived last came inside a burst

    def arrived(self, event: events.Key) -> None:
        self.inside = event.time - self._char_at < BURST_GAP_S
        if event.key in TERMINATORS:  # the scan has ended: what follows is a new one
            self._char_at = float("-inf")
            # ... and so has the burst: an action asked for after it (a key later, or the
            # app's own) is not weighed as part of it.
            self.inside = False
        elif event.character is not None:
            self._char_at = event.time


def mid_scan(focused: Widget | None, burst: BurstWatch | None) -> bool:
    """True when the key the app is weighing came inside a burst into a scan or prompt
    field. The app's `check_action` answers False then, so that the key reaches the field
    and poisons the scan, instead of running its action and leaving the rest of the burst
    to read as a valid code."""
    return isinstance(focused, EndsOnKey) and burst is not None and burst.inside


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
        # A scan of nothing but controls is still a scan (an unreadable one), not an Enter.
        if text.strip() or any(is_control(char) for char in text):
            self._to_app(self.Scanned(self, text))
        elif quiet >= SETTLE_S:
            self._to_app(self.Confirmed(self))

    def _to_app(self, message: Message) -> None:
        """Straight to the app, whose scans are to route (the floor app's scan desk, the
        board's refusal): its handler is called at once when it is a plain function.
        Posted, a scan waited 1-2 ms in the field's and the app's queues (bubbling through
        the screen's too, at first) before the desk had it."""
        # Only the app's handler by name: a screen's (or an `@on`) would never see these,
        # which tests/tui/test_one_frame.py keeps so.
        handler = getattr(self.app, message.handler_name, None)
        if handler is not None and not inspect.iscoroutinefunction(handler):
            handler(message)
        else:
            self.app.post_message(message)


class PromptField(EndsOnKey):
    """A one-value prompt (PIN, quantity): posts `Entered` when ended."""

    @dataclass
    class Entered(Message):
        field: PromptField
        value: str

    def ended(self, text: str, quiet: float) -> None:
        self.post_message(self.Entered(self, text))
