"""Scanning: raw scanner text to a location, unit, badge or command scan, or a clear error.

Pure: imports only the standard library, biip and the domain. `classify` is the one
entry point (in `classifier`); `clean_for_display` renders hostile text safely; `scan_as_dict` gives the
JSON form the command line prints. See docs/scanning.md for what is accepted.

`classify` lives in `stageterm.scanning.classifier` and is imported from there: it loads
biip (~0.1 s), which screens and commands that only show text do not need.
"""

from __future__ import annotations

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

__all__ = [
    "COMMANDS",
    "BadgeScan",
    "CommandScan",
    "LocationScan",
    "Scan",
    "ScanError",
    "ScannerSettings",
    "UnitScan",
    "clean_for_display",
    "scan_as_dict",
]
