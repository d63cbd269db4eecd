"""A PIN is never echoed (issue 12.8). After a PIN question (a wrong PIN, or a prompt left
with Esc) an operator often types the PIN again straight into the scan field: the prompt is
gone, so it arrives as a scan. Until a scan names something this site knows, a scan that
names nothing, or is not taken, is shown as "(not shown)" and answered without its text.
"""

from __future__ import annotations

from stageterm.services.results import Result

HIDDEN = "(not shown)"
# Answers that would otherwise repeat what was typed ("Badge 1111 is not known here").
NAMES_NOTHING = frozenset(
    {"unknown-unit", "unknown-location", "unknown-operator", "unreadable-scan", "ambiguous"}
)
NOT_TAKEN = "not-taken"  # its sentence never holds the scan; only the list would show it


class PinGuard:
    def __init__(self) -> None:
        self.armed = False

    def asked(self) -> None:
        """A PIN was asked for (a badge that needs one was scanned)."""
        self.armed = True

    def settled(self) -> None:
        """The PIN was right (or the operator signed out): typing goes back to being scans."""
        self.armed = False

    def hides(self, result: Result) -> bool:
        return self.armed and result.code in NAMES_NOTHING | {NOT_TAKEN}

    def shown(self, raw: str, result: Result) -> tuple[str, Result]:
        """What the running list and the answer may show of scan `raw`."""
        if not self.armed:
            return raw, result
        if result.code == NOT_TAKEN:
            return HIDDEN, result
        if result.code in NAMES_NOTHING:
            return HIDDEN, Result(
                result.outcome,
                "Not a code this site knows (not shown: it may be a PIN). "
                "Scan the badge again to be asked for the PIN.",
                code=result.code,
            )
        self.armed = False  # a real scan: the PIN moment is over
        return raw, result
