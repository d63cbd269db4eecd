"""ASCII mode turns itself on where the locale is not UTF-8, even after PEP 538 coercion."""

from __future__ import annotations

from pathlib import Path

import pytest

from stageterm.config import load_settings


@pytest.mark.parametrize(
    ("env", "ascii_mode"),
    [
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, True),  # what Python makes of LANG=C
        ({"LC_CTYPE": "C.UTF-8"}, True),
        ({"LANG": "POSIX"}, True),
        ({"LANG": "en_US.UTF-8", "LC_CTYPE": "C.UTF-8"}, False),
        ({"LC_ALL": "C.UTF-8", "LC_CTYPE": "C.UTF-8"}, False),
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8", "STAGETERM_ASCII": "0"}, False),
    ],
)
def test_ascii_mode_follows_the_locale_as_given(
    env: dict[str, str], ascii_mode: bool, tmp_path: Path
) -> None:
    config = tmp_path / "stageterm.toml"
    config.write_text("")
    assert load_settings(env={**env, "STAGETERM_CONFIG": str(config)}).ascii is ascii_mode
