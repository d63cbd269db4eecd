"""The keys of SPEC §5's JSON shapes, in the order the shapes give them: pinned once, for
the unit tests of domain/shapes.py and for the command line's own output."""

# A history event in `unit --json` and `audit --json`.
HISTORY_KEYS = [
    "id",
    "seq",
    "type",
    "unit",
    "from",
    "to",
    "quantity",
    "operator",
    "approved_by",
    "overrides",
    "terminal",
    "occurred_at",
    "reason",
    "undoes",
    "quality",
    "sync_state",
]

# `unit --json` without its `history`.
UNIT_KEYS = [
    "code",
    "item",
    "gtin",
    "lot",
    "serial",
    "sscc",
    "quantity",
    "uom",
    "expiry",
    "quality",
    "state",
    "location",
    "order",
    "staged_at",
    "version",
    "parent",
]
