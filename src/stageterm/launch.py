"""The `stageterm` program: a command the standby can take is handed to it before anything
heavier than the standby's client is loaded (src/stageterm/standby/); anything else, or
with no standby, runs here (cli.main)."""

from __future__ import annotations

import sys


def main() -> int:
    from stageterm.standby.client import hand_over

    handed = hand_over(sys.argv[1:])
    if handed is not None:
        return handed
    from stageterm.cli import main as run

    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
