"""The terminal paints at up to 240 frames a second (tui/__init__.py): the answer to a scan
is a second frame right after the emptied scan field, and Textual makes a second frame wait
one to two periods of its update timer."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import stageterm.tui, textual.screen; print(round(1 / textual.screen.UPDATE_PERIOD))"


def _fps(env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_the_terminal_paints_up_to_240_frames_a_second() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    assert _fps(env) == 240


def test_a_frame_rate_given_in_the_environment_is_kept() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    assert _fps({**env, "TEXTUAL_FPS": "60"}) == 60  # as textual-serve starts the board
