"""The installed `stageterm` entry point, run in a subprocess as a user or a script would.

Against the demo site (seeded at the real time of day: the command line uses the wall
clock). The first test is the "Done when" of issue 2, step by step.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import spec_keys
from integration.helpers import FIXED_NOW, all_units, build_open_site, event_count
from stageterm.services.site import Site
from stageterm.store.engine import open_store
from stageterm.store.migrate import upgrade

RESULT_KEYS = {
    "outcome",
    "code",
    "codes",
    "suggested",
    "message",
    "unit",
    "from",
    "to",
    "event_id",
    "approved_by",
}
QUEUE_KEYS = {
    "lane",
    "customer",
    "route",
    "carrier",
    "units",
    "quantity",
    "capacity",
    "oldest_dwell_s",
}
UNIT_FIELDS = set(spec_keys.UNIT_KEYS)
UNITS_HEADER = "code,item,gtin,lot,serial,sscc,quantity,uom,expiry,quality,location,order"


@pytest.fixture
def site(demo_db: str) -> Iterator[Site]:
    """The same database, in this process, for checking what the commands did."""
    store = open_store(demo_db)
    yield Site(store)
    store.dispose()


def one_json(result) -> dict[str, object]:  # type: ignore[no-untyped-def]
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    answer = json.loads(lines[0])
    assert set(answer) == RESULT_KEYS
    return answer  # type: ignore[no-any-return]


def queue_rows(run_cli, db: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    result = run_cli("queue", "--by", "route", "--json", db=db)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(set(row) == QUEUE_KEYS for row in rows)
    return rows  # type: ignore[no-any-return]


# -- issue 2, "Done when" ------------------------------------------------------------------------


def test_done_when_of_issue_2(run_cli, demo_db: str, site: Site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The demo data these steps stand on.
    u3, u37, u6 = site.views.unit("U00003"), site.views.unit("U00037"), site.views.unit("U00006")
    assert u3 and u37 and u6
    assert (u3.quality.value, u3.state.value, u3.order) == ("released", "stored", "SO-1004")
    assert (
        site.views.location("L-04").route == "WEST" == site.views.unit_detail("U00003").order.route
    )  # type: ignore[union-attr]
    assert u37.quality.value == "quarantine"
    assert site.views.unit_detail("U00006").order.route != site.views.location("L-01").route  # type: ignore[union-attr]
    before = {q.lane.code: q.as_json() for q in site.views.queue(by="route")}

    # A released unit into its route's lane: exit 0.
    moved = run_cli("move", "U00003", "--to", "L-04", "--operator", "1001", "--json", db=demo_db)
    assert moved.returncode == 0, moved.stderr
    answer = one_json(moved)
    assert (answer["outcome"], answer["code"], answer["unit"], answer["from"], answer["to"]) == (
        "moved",
        None,
        "U00003",
        u3.location,
        "L-04",
    )
    assert answer["event_id"] and answer["approved_by"] is None

    # A quarantined unit: exit 3 and a sentence naming its status.
    refused = run_cli("move", "U00037", "--to", "L-04", "--operator", "1001", db=demo_db)
    assert refused.returncode == 3
    assert (
        refused.stdout.strip()
        == "REFUSED [not-released]: Unit U00037 is in quarantine, not released."
    )

    # A lane of another route: exit 4, then 0 with a lead's badge.
    waiting = run_cli("move", "U00006", "--to", "L-01", "--operator", "1001", "--json", db=demo_db)
    assert waiting.returncode == 4
    answer = one_json(waiting)
    assert (answer["outcome"], answer["code"], answer["event_id"]) == (
        "needs_approval",
        "wrong-lane",
        None,
    )
    approved = run_cli(
        "move",
        "U00006",
        "--to",
        "L-01",
        "--operator",
        "1001",
        "--approve",
        "2001",
        "--json",
        db=demo_db,
    )
    assert approved.returncode == 0, approved.stderr
    assert one_json(approved)["approved_by"] == "2001"

    # ... and the unit's history shows who approved it.
    shown = run_cli("unit", "U00006", "--json", db=demo_db)
    assert shown.returncode == 0
    unit = json.loads(shown.stdout)
    assert UNIT_FIELDS | {"history"} <= set(unit)
    assert (unit["location"], unit["state"]) == ("L-01", "staged")
    last = unit["history"][-1]
    assert (last["type"], last["operator"], last["approved_by"], last["to"]) == (
        "stage",
        "1001",
        "2001",
        "L-01",
    )
    assert unit["history"][0]["type"] == "receive"  # oldest first
    assert [e["seq"] for e in unit["history"]] == sorted(e["seq"] for e in unit["history"])

    # The queue by route reflects the moves, with the keys of SPEC §5, by route then lane.
    after = queue_rows(run_cli, demo_db)
    assert [(r["route"] or "~", r["lane"]) for r in after] == sorted(
        (r["route"] or "~", r["lane"]) for r in after
    )
    by_lane = {row["lane"]: row for row in after}
    for lane in ("L-04", "L-01"):
        assert by_lane[lane]["units"] == before[lane]["units"] + 1  # type: ignore[operator]
        assert by_lane[lane]["quantity"] == before[lane]["quantity"] + 40  # type: ignore[operator]
    unchanged = set(by_lane) - {"L-04", "L-01"}
    assert {k: by_lane[k]["units"] for k in unchanged} == {k: before[k]["units"] for k in unchanged}

    # A bad import row is reported with its line, and nothing is written.
    events = event_count(site.store)
    csv = tmp_path / "units.csv"
    csv.write_text(
        f"{UNITS_HEADER}\nNEW-1,FG-100,,,,,10,EA,,,S-01,\nNEW-2,FG-100,,,,,ten,EA,,,S-01,\n"
    )
    imported = run_cli("import", "units", str(csv), db=demo_db)
    assert imported.returncode == 2
    assert imported.stderr.splitlines() == [
        "units.csv:3: quantity 'ten' is not a whole number",
        f"stageterm: nothing imported from {csv}",
    ]
    assert imported.stdout == ""
    assert "NEW-1" not in all_units(site.store)
    assert event_count(site.store) == events


# -- every change command answers in the same JSON shape -----------------------------------------


def test_change_commands_answer_in_one_json_shape(run_cli, demo_db: str, site: Site) -> None:  # type: ignore[no-untyped-def]
    staged = site.views.lane("L-03")
    assert staged is not None and site.views.location("D-3").route == "EAST" == staged[0].route  # type: ignore[union-attr]
    in_lane = staged[1][0].unit.code
    kitted = site.views.lane("KIT-A")[1][0].unit.code  # type: ignore[index]
    steps = [
        (["hold", "U00003", "--operator", "1002", "--reason", "torn wrap"], 0, "moved", None),
        (["release", "U00003", "--operator", "3001"], 0, "moved", None),
        (["undo", "U00003", "--operator", "2001"], 0, "moved", None),
        (["load", in_lane, "--to", "D-3", "--operator", "1001"], 0, "moved", None),
        (["issue", kitted, "--operator", "1002"], 0, "moved", None),
    ]
    for args, code, outcome, rule in steps:
        result = run_cli(*args, "--json", db=demo_db)
        answer = one_json(result)
        assert (result.returncode, answer["outcome"], answer["code"]) == (code, outcome, rule), (
            args,
            answer,
        )
    assert site.views.unit("U00003").quality.value == "hold"  # type: ignore[union-attr]  # the release was undone
    assert site.views.unit(in_lane).state.value == "loaded"  # type: ignore[union-attr]
    assert site.views.unit(kitted).state.value == "issued"  # type: ignore[union-attr]


# -- exit codes and bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--db", "/no/such/dir/site.db", "queue"], "no folder /no/such/dir for the database"),
        (["--db", "/no/such/dir/site.db", "init"], "no folder /no/such/dir for the database"),
        (["--db", "NOT-A-DATABASE", "queue"], "file is not a database"),
        (
            ["--db", "postgresql://floor@127.0.0.1:1/stage", "queue", "--json"],
            "cannot open database",
        ),
    ],
)
def test_a_bad_database_url_is_one_line_and_exit_2(
    run_cli, args: list[str], says: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_text("shopping list\n")
    args = [str(not_a_database) if a == "NOT-A-DATABASE" else a for a in args]
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("stageterm: ") and says in result.stderr
    assert "Traceback" not in result.stderr and "sqlalche.me" not in result.stderr
    assert "\\n" not in result.stderr and "\\t" not in result.stderr  # no escaped line breaks


@pytest.mark.parametrize(
    "args",
    [["queue"], ["unit", "U00003"], ["move", "U00003", "--to", "L-04", "--operator", "1001"]],
)
def test_a_missing_database_file_is_an_error_not_a_new_empty_site(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, args: list[str]
) -> None:
    typo = tmp_path / "sitee.db"
    result = run_cli(*args, db=str(typo))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"stageterm: no database at {typo}: `stageterm init --db {typo}` creates one, "
        "`stageterm demo` opens a demo site"
    ]
    assert not typo.exists()
    made = run_cli("init", db=str(typo))  # init (and demo, import) create it
    assert made.returncode == 0 and typo.exists()
    assert run_cli(*args, db=str(typo)).returncode in (0, 3)  # now it opens (empty site)


def in_shell(run_cli, db: str, script: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    """`script` in bash, with the installed stageterm as "$0" and the CLI tests' environment."""
    return subprocess.run(
        ["bash", "-c", script, str(Path(sys.executable).parent / "stageterm")],
        env=run_cli.env(db, None),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_output_cut_short_by_its_reader_ends_quietly(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    """`stageterm audit --json | head -c 100`: no BrokenPipeError traceback, the SIGPIPE
    status. The demo's audit is ~88 kB, more than a pipe holds, so the reader's leaving is
    always felt."""
    cut = in_shell(
        run_cli, demo_db, '"$0" audit --json | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"'
    )
    assert cut.stdout.strip() == "141", cut.stderr
    assert cut.stderr == ""


@pytest.mark.parametrize("demo", [False, True], ids=["app", "demo"])
def test_the_terminal_ui_without_a_terminal_says_so(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, tmp_path: Path, demo: bool
) -> None:
    fresh = tmp_path / "fresh-demo.db"
    result = run_cli("demo", "--db", str(fresh)) if demo else run_cli(db=demo_db)  # pipes here
    assert not fresh.exists()  # the demo says so before seeding anything
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "stageterm: the terminal UI needs a terminal to run in; for scripts use the commands "
        "(stageterm --help)"
    ]
    assert result.stdout == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_output_to_a_full_disk_is_one_line(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    full = in_shell(run_cli, demo_db, '"$0" audit --json > /dev/full')
    assert full.returncode == 2
    assert full.stderr.splitlines() == [
        "stageterm: cannot write the output: No space left on device"
    ]


def test_a_sqlite_url_is_read_as_sqlalchemy_reads_it(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "my dir"
    folder.mkdir()
    made = run_cli("init", "--db", f"sqlite:///{tmp_path}/my%20dir/site.db")
    assert made.returncode == 0, made.stderr
    assert (folder / "site.db").exists()


def test_the_terminal_ui_with_stdin_closed_says_so(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    closed = in_shell(run_cli, demo_db, '"$0" <&-')
    assert closed.returncode == 1
    assert "Traceback" not in closed.stderr
    assert closed.stderr.startswith("stageterm: the terminal UI needs a terminal")


def test_a_usage_error_is_exit_1(run_cli, demo_db: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("move", "U00003", "--operator", "1001", db=demo_db)  # no --to
    assert result.returncode == 1
    assert "--to" in result.stderr


def test_init_creates_the_database_named_by_the_flag_over_the_environment(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    flag, env = tmp_path / "flag.db", tmp_path / "env.db"
    result = run_cli("init", "--db", str(flag), db=str(env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Database ready at schema ")
    assert str(flag) in result.stdout
    assert flag.exists() and not env.exists()


# -- scan: one JSON line per scan, the first failure's exit code ----------------------------------


@pytest.mark.parametrize(
    ("scans", "code", "outcomes"),
    [
        (["L-04", "U00003"], 0, ["target", "moved"]),
        # The lane stays the target after the approval: the quarantined unit is refused there.
        (["U00006", "L-01", "B:2001", "U00037"], 4, ["info", "needs_approval", "moved", "refused"]),
        # A code that names nothing known is refused (3), as `move` does; unreadable is 2.
        (["L-04", "ZZZ-NOT-HERE"], 3, ["target", "error"]),
        # After a refusal nothing is taken until a bare Enter (""), as at the terminal.
        (["NOWHERE-9", "U00003"], 3, ["error", "refused"]),
        (["NOWHERE-9", "", "U00003"], 3, ["error", "info", "info"]),
        (["L-04", "U0\x1b[2J"], 2, ["target", "error"]),
    ],
)
def test_scan_answers_each_scan_and_exits_with_the_first_failure(
    run_cli, demo_db: str, scans: list[str], code: int, outcomes: list[str]
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("scan", *scans, "--operator", "1001", "--json", db=demo_db)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(set(a) == RESULT_KEYS for a in answers)
    assert [a["outcome"] for a in answers] == outcomes
    assert result.returncode == code, result.stderr


# -- the same on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
def test_the_command_line_on_postgresql(run_cli, pg_server) -> None:  # type: ignore[no-untyped-def]
    name = pg_server.database()
    store = open_store(pg_server.url(name))
    try:
        upgrade(store)
        build_open_site(store, FIXED_NOW, units=2, lanes=1, people=1)
        # What site IT types: postgresql://…, without the driver.
        url = pg_server.url(name, driver="postgresql")
        moved = run_cli("move", "P0001", "--to", "L-01", "--operator", "5001", "--json", db=url)
        assert moved.returncode == 0, moved.stderr
        assert one_json(moved)["to"] == "L-01"
        assert Site(store).views.unit("P0001").location == "L-01"  # type: ignore[union-attr]
    finally:
        store.dispose()
        pg_server.drop(name)


@pytest.mark.parametrize("before", [False, True])
def test_an_empty_db_flag_is_an_error_not_the_default_site(  # type: ignore[no-untyped-def]
    run_cli, demo_db: str, before: bool
) -> None:
    """`stageterm move --db "$UNSET" …` in a script: refused, never the user's own site."""
    move = ["move", "U00003", "--to", "L-04", "--operator", "1001"]
    args = ["--db", "", *move] if before else [*move, "--db", ""]
    result = run_cli(*args, db=demo_db)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["stageterm: --db is empty: give a database path or URL"]
