"""Exit codes promised in SPEC §5."""

from enum import IntEnum


class Exit(IntEnum):
    DONE = 0
    USAGE = 1
    BAD_INPUT = 2
    REFUSED = 3
    NEEDS_APPROVAL = 4
    UPSTREAM = 5
