"""Every key of the floor terminal, in one list: the app's bindings, the key bar and help
are all made from it.

Each action has a function key and a Ctrl-letter for terminal clients without function
keys (VT220 keyboards have no F1-F5 of their own). Plain letters are never used: a scan
field is taking text on every screen. Ctrl-letters that terminals or the scan field
need are avoided: C (interrupt), H (backspace), I (Tab), J (LF), M (CR), S/Q flow
control (Q is Textual's quit, which is what we want), Z (suspend), B/A (tmux, screen),
W (closes a browser-based terminal's tab), V (paste in Windows Terminal and others).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from textual.binding import Binding


def vt_keyboard() -> bool:
    """TERM=vt100, vt220, ...: a keyboard whose Ctrl keys are the ones to name first."""
    return re.match(r"vt\d", os.environ.get("TERM", "")) is not None


@dataclass(frozen=True)
class Key:
    action: str
    fkey: str  # "f1"; "" when the action has only a Ctrl key
    ctrl: str  # "ctrl+g"
    label: str
    what: str  # for the help screen

    @property
    def names(self) -> str:
        """Textual key list for a Binding."""
        return ",".join(k for k in (self.fkey, self.ctrl) if k)

    @property
    def fkey_shown(self) -> str:
        return self.fkey.upper()

    @property
    def ctrl_shown(self) -> str:
        return "^" + self.ctrl.removeprefix("ctrl+").upper() if self.ctrl else ""

    def pressed(self) -> str:
        """The one key to name in a sentence: the Ctrl key on a VT-class terminal (no F1-F5
        of its own), else the function key; the same choice as the key bar's."""
        if (vt_keyboard() or not self.fkey) and self.ctrl:
            return self.ctrl_shown
        return self.fkey_shown

    def binding(self, *, priority: bool = True) -> Binding:
        return Binding(self.names, self.action, self.label, show=False, priority=priority)


HELP = Key("help", "f1", "ctrl+g", "Help", "Keys and command barcodes")
STAGE = Key("stage", "f2", "ctrl+t", "Stage", "The stage screen (home)")
LANES = Key("lanes", "f3", "ctrl+l", "Lanes", "Lanes board; again: by customer / route / carrier")
UNIT = Key("unit", "f4", "ctrl+o", "Unit", "Look up a unit and its history")
KITTING = Key("kitting", "f5", "ctrl+k", "Kitting", "Work orders: required vs staged")
SYNC = Key("sync", "f6", "ctrl+y", "Sync", "Upstream sync status")
QUANTITY = Key("quantity", "f7", "ctrl+n", "Qty", "Move only part of the next unit (kitting)")
CANCEL = Key("cancel", "f8", "ctrl+x", "Cancel", "Drop the unit in hand, a quantity or an approval")
SIGN_OUT = Key("sign_out", "f9", "ctrl+d", "Sign out", "Sign out, stay open for the next badge")
QUIT = Key("quit", "f10", "ctrl+q", "Quit", "Sign out and quit")
# F11/F12 are taken by some terminal emulators (full screen): each has its Ctrl key too.
BUFFERS = Key("buffers", "f11", "ctrl+f", "Buffers", "Buffers: work in process per operation")
PRINT = Key(
    "unit_command('@PRINT')",
    "f12",
    "ctrl+p",
    "Print",
    "Print the label of the unit on screen (@PRINT)",
)
# No function key left: Ctrl-U (a tty's line kill, harmless in raw mode; never in a scan).
RELEASE = Key(
    "unit_command('@RELEASE')",
    "",
    "ctrl+u",
    "Release",
    "Quality: release the unit on screen (@RELEASE)",
)

# Leads' health screen: no function key left; Ctrl-W (a tty's word erase, harmless in raw
# mode; never in a scan).
HEALTH = Key("health", "", "ctrl+w", "Health", "Leads: dwell, buffer over the shift, alerts, tasks")

GLOBAL_KEYS = (
    HELP, STAGE, LANES, UNIT, KITTING, SYNC, QUANTITY, CANCEL, SIGN_OUT, QUIT, BUFFERS, PRINT,
    RELEASE, HEALTH,
)  # fmt: skip
# The action of keys that act on the unit on screen, as their command barcode would: only
# where that unit is shown (the stage screen).
UNIT_COMMAND = "unit_command"

# Keys of one screen (bound on that screen, not priority).
GROUP = Key(
    "toggle_group", "", "ctrl+r", "Group", "Lanes board: by customer / by route / by carrier"
)
SEND_NOW = Key("send_now", "", "ctrl+r", "Send now", "Sync: send pending events now")
RETRY = Key("retry", "", "ctrl+e", "Retry rejected", "Sync: put rejected events back (leads)")
ACK = Key("acknowledge", "", "ctrl+r", "Ack alert", "Health: acknowledge the alert, for every lead")


@dataclass(frozen=True)
class Plain:
    """A key that is the same everywhere and needs no alternative."""

    keys: str
    what: str


PLAIN_KEYS = (
    Plain("Enter", "Ends a scan or typed code (so do LF and Tab)"),
    Plain("Enter", "On the empty field: acknowledge a refusal, or open the highlighted row"),
    Plain("Esc", "Back"),
    Plain("Up/Down", "Move in lists (PgUp/PgDn: a page)"),
)
