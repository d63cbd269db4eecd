"""Every key of the floor terminal, in one list: the app's bindings, the key bar and help
are all made from it.

Each action has a function key and a Ctrl-letter for terminal clients without function
keys (VT220 keyboards have no F1-F5 of their own). Plain letters are never used: a scan
field is taking text on every screen. Ctrl-letters that terminals or the scan field
need are avoided: C (interrupt), H (backspace), I (Tab), J (LF), M (CR), S/Q flow
control (Q is Textual's quit, which is what we want), Z (suspend), B/A (tmux, screen).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


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

    def binding(self, *, priority: bool = True) -> Binding:
        return Binding(self.names, self.action, self.label, show=False, priority=priority)


HELP = Key("help", "f1", "ctrl+g", "Help", "keys and command barcodes")
STAGE = Key("stage", "f2", "ctrl+t", "Stage", "the stage screen (home)")
LANES = Key("lanes", "f3", "ctrl+l", "Lanes", "lanes board; again: by customer / by route")
UNIT = Key("unit", "f4", "ctrl+o", "Unit", "look up a unit and its history")
KITTING = Key("kitting", "f5", "ctrl+k", "Kitting", "work orders: required vs staged")
SYNC = Key("sync", "f6", "ctrl+y", "Sync", "upstream sync status")
QUANTITY = Key("quantity", "f7", "ctrl+n", "Qty", "move only part of the next unit (kitting)")
CANCEL = Key("cancel", "f8", "ctrl+x", "Cancel", "drop a held unit, quantity or approval")
SIGN_OUT = Key("sign_out", "f9", "ctrl+d", "Sign out", "sign out, stay open for the next badge")
QUIT = Key("quit", "f10", "ctrl+q", "Quit", "sign out and quit")
HEALTH = Key(
    "health", "f11", "ctrl+p", "Health", "leads: dwell, buffer over the shift, alerts, tasks"
)

GLOBAL_KEYS = (HELP, STAGE, LANES, UNIT, KITTING, SYNC, QUANTITY, CANCEL, SIGN_OUT, QUIT, HEALTH)

# Keys of one screen (bound on that screen, not priority).
GROUP = Key("toggle_group", "", "ctrl+r", "Cust/Route", "lanes board: by customer / by route")
SEND_NOW = Key("send_now", "", "ctrl+r", "Send now", "sync: send pending events now")
RETRY = Key("retry", "", "ctrl+e", "Retry rejected", "sync: put rejected events back (leads)")
ACK = Key("acknowledge", "", "ctrl+r", "Ack alert", "health: acknowledge the alert, for every lead")


@dataclass(frozen=True)
class Plain:
    """A key that is the same everywhere and needs no alternative."""

    keys: str
    what: str


PLAIN_KEYS = (
    Plain("Enter", "ends a scan or typed code (so do LF and Tab)"),
    Plain("Enter", "on the empty field: acknowledge a refusal, or open the highlighted row"),
    Plain("Esc", "back"),
    Plain("Up/Down", "move in lists (PgUp/PgDn: a page)"),
)
