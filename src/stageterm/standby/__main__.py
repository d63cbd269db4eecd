"""`python -m stageterm.standby SOCKET`: a standby listening there (started by client.py)."""

import os
import sys
from pathlib import Path

from stageterm.standby.server import IDLE_S, serve

if __name__ == "__main__":
    try:
        idle = float(os.environ.get("STAGETERM_STANDBY_IDLE_S", IDLE_S))
    except ValueError:
        idle = IDLE_S
    serve(Path(sys.argv[1]), idle)
