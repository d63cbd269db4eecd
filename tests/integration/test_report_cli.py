"""`stageterm report` through the installed command, on the demo site seeded at the wall
clock (its morning: units staged into the route lanes over the last nine hours, three
kitting splits)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

GROUP_KEYS = {
    "key",
    "stays",
    "open",
    "dwell_p50_s",
    "dwell_p90_s",
    "dwell_max_s",
    "units_now",
    "series",
}
REPORT_KEYS = {"since", "until", "by", "groups", "decision_lag_p50_s", "decision_lag_p90_s"}


def report_json(run_cli, db: str, *args: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--json", *args, db=db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == REPORT_KEYS
    return answer  # type: ignore[no-any-return]


def test_json_by_route_has_every_key_and_several_groups_with_stays(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    answer = report_json(run_cli, demo_db, "--by", "route")
    assert answer["by"] == "route"
    assert answer["decision_lag_p50_s"] is None and answer["decision_lag_p90_s"] is None
    groups = answer["groups"]
    assert isinstance(groups, list)
    for group in groups:
        assert set(group) == GROUP_KEYS
        assert group["open"] <= group["stays"]
        assert group["dwell_p50_s"] <= group["dwell_p90_s"] <= group["dwell_max_s"]
        for time, units in group["series"]:
            assert time.endswith(":00:00" + time[-6:])  # an hour's end, with its offset
            assert isinstance(units, int)
    with_stays = {g["key"] for g in groups if g["stays"] > 0}
    assert {"NORTH", "SOUTH", "EAST", "WEST"} <= with_stays
    # Default window: the 24 hours before now, so every hour's end of it is in the series.
    assert all(len(g["series"]) == 24 for g in groups)


def test_json_window_and_grouping_by_lane(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    yesterday = date.today() - timedelta(days=1)
    ahead = f"{date.today() + timedelta(days=1)}T06:00+00:00"
    answer = report_json(run_cli, demo_db, "--since", str(yesterday), "--until", ahead)
    assert answer["since"].startswith(f"{yesterday}T00:00:00")  # a date is its start
    assert answer["until"] == ahead.replace("06:00+", "06:00:00+")  # may lie ahead
    assert answer["by"] == "lane"  # the default
    keys = [g["key"] for g in answer["groups"]]
    assert keys == sorted(keys) and "KIT-A" in keys and "L-03" in keys


def test_text_is_a_table_of_80_columns(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--by", "route", db=demo_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Staging health by route, ")
    assert lines[1].split()[:7] == ["ROUTE", "STAYS", "OPEN", "P50", "P90", "MAX", "NOW"]
    assert all(len(line) <= 80 for line in lines)
    assert {line.split()[0] for line in lines[2:6]} <= {"NORTH", "SOUTH", "EAST", "WEST", "-"}
    # The demo's morning has no order changes: no task was ended by a move.
    assert lines[-1] == "Decision lag: none in this window (no move ended a re-coordination task)."


def test_csv_has_the_header_and_one_row_per_group(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--by", "customer", "--csv", db=demo_db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == [
        "key",
        "stays",
        "open",
        "dwell_p50_s",
        "dwell_p90_s",
        "dwell_max_s",
        "units_now",
    ]
    answer = report_json(run_cli, demo_db, "--by", "customer")
    groups = answer["groups"]
    assert isinstance(groups, list)
    # The same groups in the same order; a group without a customer has an empty key.
    assert [(r[0], int(r[1])) for r in rows[1:]] == [(g["key"] or "", g["stays"]) for g in groups]
    assert len(rows) >= 3


@pytest.mark.parametrize(("name", "magic"), [("health.png", b"\x89PNG"), ("health.svg", b"<?xml")])
def test_plot_writes_the_file(
    run_cli, demo_db: str, tmp_path: Path, name: str, magic: bytes
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / name
    result = run_cli("report", "--by", "route", "--plot", str(target), db=demo_db, timeout=120)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(magic)
    assert target.stat().st_size > 10_000
    assert "Staging health by route" in result.stdout  # the table is still printed


def test_plot_to_another_format_is_refused_before_anything_is_read(
    run_cli, demo_db: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--plot", str(tmp_path / "health.pdf"), db=demo_db)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"stageterm: --plot {tmp_path / 'health.pdf'}: the file must end in .png or .svg"
    ]


def test_plot_into_a_missing_folder_is_one_line(run_cli, demo_db: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--plot", str(tmp_path / "no" / "health.png"), db=demo_db)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stageterm: cannot write ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "\x1b[31m"])
def test_a_bad_since_is_one_line_and_exit_2(run_cli, demo_db: str, bad: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--since", bad, db=demo_db)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--since" in lines[0] and "not an ISO date" in lines[0]
    assert "\x1b" not in result.stderr
    assert result.stdout == ""


def test_a_backwards_window_is_bad_input(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--since", "2026-03-02", "--until", "2026-03-01T12:00", db=demo_db)
    assert result.returncode == 2
    assert result.stderr.strip() == "stageterm: --since must be before --until"


def test_a_window_longer_than_a_year_is_bad_input(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--since", "2020-01-01", "--until", "2100-01-01", db=demo_db)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "stageterm: the window is longer than 366 days: ask for a year at most"
    )


def test_a_bad_by_is_a_usage_error(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--by", "carrier", db=demo_db)
    assert result.returncode == 1
    assert "invalid choice: 'carrier'" in result.stderr


def test_json_and_csv_together_is_a_usage_error(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("report", "--json", "--csv", db=demo_db)
    assert result.returncode == 1
    assert "not allowed with argument" in result.stderr
