#!/usr/bin/env bash
# screenshots/report-plot.png: `stageterm report --by route --plot` on a fresh demo site
# (seeded at the wall clock, so only the dates on the axes change from one run to the next).
set -euo pipefail
BIN=${BIN:-.venv/bin}
OUT=${1:-screenshots}
DB=$(mktemp -d)/demo.db
trap 'rm -rf "$(dirname "$DB")"' EXIT
"$BIN/stageterm" demo --db "$DB" --seed-only >/dev/null
"$BIN/stageterm" report --db "$DB" --by route --plot "$OUT/report-plot.png" >/dev/null
