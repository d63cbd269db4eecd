"""Scan classification throughput: how many raw scans per second `classify` turns into scans.

Runs a realistic mix from a staging floor (GS1-128 with separators and AIM identifiers,
Digital Links, hand-typed HRI, bare SSCCs, plain codes, badges, commands, a little junk)
for about two seconds and prints a markdown table row, then one JSON line.

    python benchmarks/scan_parse.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

# Measure the code in this checkout, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from stageterm.scanning import ScanError
from stageterm.scanning.classifier import classify

GS = "\x1d"
GTIN = "09501101530003"
SSCC = "106141411234567897"

# Weights follow a typical staging shift: mostly unit labels, a lane per few units,
# a badge per shift change, the odd command and bad read.
MIX: list[tuple[str, str, int]] = [
    ("gs1-128 ]C1 + GS", f"]C100{SSCC}02{GTIN}3712{GS}10LOT-2291{GS}17261231\r", 30),
    ("gs1-128 pipe", f"01{GTIN}10LOT-2291|21SN000123|17261231\r", 15),
    ("gs1 datamatrix ]d2", f"]d201{GTIN}17261231{GS}10LOT-2291{GS}21SN000123\r", 10),
    ("digital link", f"https://id.gs1.org/01/{GTIN}/10/LOT-2291/21/SN1?17=261231\r", 8),
    ("hri typed", f"(01){GTIN}(10)LOT-2291(17)261231\r", 2),
    ("bare sscc", f"{SSCC}\r", 5),
    ("plain code", "PAL-000123\r", 15),
    ("location", "LANE-07\r", 10),
    ("badge", "B:4711\r", 2),
    ("command", "@DONE\r", 2),
    ("junk", "\x1b[31m[red]x\r", 1),
]


def _run(seconds: float) -> tuple[int, float, int]:
    scans = [raw for _, raw, weight in MIX for _ in range(weight)]
    count = errors = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for raw in scans:
            if isinstance(classify(raw), ScanError):
                errors += 1
        count += len(scans)
    return count, time.perf_counter() - start, errors


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    for _, raw, _ in MIX:  # warm up: biip loads its AI and prefix tables on first use
        classify(raw)
    count, elapsed, errors = _run(args.seconds)
    rate = count / elapsed
    result: dict[str, object] = {
        "benchmark": "scan_parse",
        "scans": count,
        "seconds": round(elapsed, 3),
        "scans_per_second": round(rate),
        "microseconds_per_scan": round(1e6 / rate, 1),
        "errors": errors,
        "mix": {name: weight for name, _, weight in MIX},
        "python": platform.python_version(),
        "biip": version("biip"),
    }
    gs1_share = (
        100 * sum(w for n, _, w in MIX if "gs1" in n or "link" in n) / sum(w for _, _, w in MIX)
    )
    print("| benchmark | scans/s | µs/scan | mix |")
    print("|---|---:|---:|---|")
    print(
        f"| scan classify (mixed) | {rate:,.0f} | {1e6 / rate:.1f} "
        f"| {len(MIX)} kinds, {gs1_share:.0f}% GS1 element strings and links |"
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
