"""The doctor's pure verdicts: free disk against its threshold, env files as systemd reads
them, stageterm.toml holding a secret or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from stageterm.services.doctor_files import (
    DISK_MIN_FREE,
    EnvFileError,
    disk_finding,
    read_env_file,
    secrets_finding,
)


def test_disk_fails_under_the_threshold_and_says_which() -> None:
    low = disk_finding(Path("/var/lib/stageterm"), free=DISK_MIN_FREE - 1)
    assert not low.ok
    assert low.detail.startswith("500.0 MB free in /var/lib/stageterm (fails under 500.0 MB)")
    plenty = disk_finding(Path("/var/lib/stageterm"), free=12_300_000_000)
    assert (
        plenty.ok and plenty.detail == "12.3 GB free in /var/lib/stageterm (fails under 500.0 MB)"
    )


def test_an_env_file_reads_as_systemd_reads_it(tmp_path: Path) -> None:
    env = tmp_path / "stageterm.env"
    env.write_text(
        "# comment\n; also a comment\n\nSTAGETERM_DB=/var/lib/stageterm/site.db\n"
        'export STAGETERM_SITE=north\nSTAGETERM_UPSTREAM_TOKEN="a b"\nSTAGETERM_INBOX=\n'
    )
    assert read_env_file(env) == {
        "STAGETERM_DB": "/var/lib/stageterm/site.db",
        "STAGETERM_SITE": "north",
        "STAGETERM_UPSTREAM_TOKEN": "a b",
        "STAGETERM_INBOX": "",
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [("just words\n", ":1: not KEY=VALUE"), ("A=1\nB='open\n", ":2: unbalanced quotes")],
)
def test_a_broken_env_file_is_one_line_without_its_values(
    tmp_path: Path, text: str, reason: str
) -> None:
    env = tmp_path / "x.env"
    env.write_text(text)
    with pytest.raises(EnvFileError) as caught:
        read_env_file(env)
    assert str(caught.value) == f"{env}{reason}"


def test_stageterm_toml_counts_only_when_it_holds_a_secret(tmp_path: Path) -> None:
    toml = tmp_path / "stageterm.toml"
    toml.write_text('site = "north"\ndb = "postgresql://stageterm@db/stageterm"\n')
    toml.chmod(0o644)
    assert secrets_finding(str(toml), []).detail == "no file holds a secret"
    toml.write_text('db = "postgresql://stageterm:pw@db/stageterm"\n')
    found = secrets_finding(str(toml), [])
    assert not found.ok and found.detail.endswith(f"chmod 600 {toml}")
    toml.write_text('[stageterm]\nSTAGETERM_MASTER_TOKEN = "t"\n')
    assert not secrets_finding(str(toml), []).ok
