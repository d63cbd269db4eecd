"""The service units in deploy/systemd/: `systemd-analyze verify` passes on each (with its
ExecStart pointed at the stageterm installed for these tests), and each keeps the
sandbox SPEC §6c promises. No running systemd is needed: verify reads the files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = {
    "stageterm-sync.service": "sync",
    "stageterm-pull.service": "pull",
    "stageterm-serve.service": "serve",
}
INSTALLED = "/opt/stageterm/.venv/bin/stageterm"
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(
    ANALYZE is None,
    reason="systemd-analyze is not installed (Debian package systemd; make test installs it)",
)


def settings(unit: Path) -> dict[str, list[str]]:
    """KEY -> every value it is given, as systemd reads a unit file (comments skipped)."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def verify(unit_text: str, name: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` on a copy whose ExecStart is the installed stageterm."""
    copy = tmp_path / name
    copy.write_text(unit_text.replace(INSTALLED, str(Path(sys.executable).parent / "stageterm")))
    assert ANALYZE is not None
    return subprocess.run(
        [ANALYZE, "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@needs_analyze
@pytest.mark.parametrize("name", sorted(UNITS))
def test_each_unit_verifies_with_nothing_to_say(name: str, tmp_path: Path) -> None:
    ran = verify((DEPLOY / "systemd" / name).read_text(), name, tmp_path)
    # verify exits 0 on an unknown key too, only warning: its silence is the pass.
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")


@needs_analyze
def test_verify_would_catch_a_misspelt_sandbox_setting(tmp_path: Path) -> None:
    text = (DEPLOY / "systemd" / "stageterm-sync.service").read_text()
    ran = verify(text.replace("NoNewPrivileges=", "NoNewPrivilege="), "typo.service", tmp_path)
    assert "Unknown key 'NoNewPrivilege'" in ran.stderr


@pytest.mark.parametrize(("name", "command"), sorted(UNITS.items()))
def test_each_unit_runs_its_worker_sandboxed(name: str, command: str) -> None:
    unit = settings(DEPLOY / "systemd" / name)
    assert unit["ExecStart"] == [f"{INSTALLED} {command}"]
    # A user of its own: not root, not the SSH sessions' floor (SPEC §6c).
    assert unit["User"] == ["stageterm"] and unit["Group"] == ["stageterm"]
    assert unit["UMask"] == ["0007"]  # what it creates stays the group's (the floor's too)
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["ReadWritePaths"] == ["/var/lib/stageterm"]  # only the data folder
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["2"]  # bad settings: not restarted for ever
    assert unit["EnvironmentFile"] == ["/etc/stageterm/stageterm.env"]
    assert unit["WantedBy"] == ["multi-user.target"]


def test_the_sample_env_file_says_mode_600_and_holds_no_secret() -> None:
    text = (DEPLOY / "stageterm.env").read_text()
    assert "install -m 600" in text
    values = {
        key: value
        for key, _, value in (
            line.partition("=") for line in text.splitlines() if line and line[0] != "#"
        )
    }
    assert all(values[k] == "" for k in values if k.endswith("_TOKEN"))
    assert values["STAGETERM_DB"].startswith("/var/lib/stageterm/")  # inside ReadWritePaths
