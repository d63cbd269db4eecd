"""`python -m stageterm`: the same as the `stageterm` command (a terminal starts its pull
passes this way, with the interpreter it runs in)."""

import sys

from stageterm.launch import main

if __name__ == "__main__":
    sys.exit(main())
