"""Scanning: raw scanner text to a location, unit, badge or command scan, or a clear error.

Pure: imports only the standard library, biip and the domain. `classify` is the one
entry point; `clean_for_display` renders hostile text safely; `scan_as_dict` gives the
JSON form the command line prints. See docs/scanning.md for what is accepted.

`classify` (and with it biip, ~0.1 s of imports) loads on first use, so that screens and
commands that only show text start without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stageterm.lazy import on_first_use
from stageterm.scanning.hostile import clean_for_display
from stageterm.scanning.scans import (
    COMMANDS,
    BadgeScan,
    CommandScan,
    LocationScan,
    Scan,
    ScanError,
    ScannerSettings,
    UnitScan,
    scan_as_dict,
)

if TYPE_CHECKING:
    from stageterm.scanning.classifier import DEFAULT_SETTINGS, classify

__getattr__ = on_first_use(
    __name__, dict.fromkeys(("classify", "DEFAULT_SETTINGS"), "stageterm.scanning.classifier")
)

__all__ = [
    "COMMANDS",
    "DEFAULT_SETTINGS",
    "BadgeScan",
    "CommandScan",
    "LocationScan",
    "Scan",
    "ScanError",
    "ScannerSettings",
    "UnitScan",
    "classify",
    "clean_for_display",
    "scan_as_dict",
]
